package kind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/cluster/live"
)

// Outside sends probes "from outside the cluster" from a Docker container
// on the kind network, like a laptop on the nodes' network: it reaches the
// node addresses (node ports, load balancer addresses, the ingress
// controller) and nothing else; its default route is removed, so pod and
// Service addresses are unreachable from it as they are from a real
// outside client. It works on Docker Desktop too, where the host itself
// cannot reach the node's address.
type Outside struct {
	c *Cluster

	mu      sync.Mutex
	ext     *dockerRunner
	extAddr netip.Addr
	routes  map[netip.Addr]netip.Addr // external IP → node, see Route
}

var _ live.Outside = (*Outside)(nil)

// Outside returns the cluster's outside prober.
func (c *Cluster) Outside() *Outside {
	return &Outside{c: c}
}

func (c *Cluster) helperName(role string) string { return "ckadlab-" + c.Name + "-" + role }

// External starts (once) the external client container.
func (o *Outside) External(ctx context.Context) (live.Sender, netip.Addr, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ext != nil {
		return live.CommandSender(o.ext), o.extAddr, nil
	}
	name := o.c.helperName("outside")
	addr, err := o.c.ensureHelper(ctx, name, nil, []string{"--cap-add", "NET_ADMIN", "--entrypoint", "sh"},
		[]string{"-c", "ip route del default 2>/dev/null; exec /agnhost pause"})
	if err != nil {
		return nil, netip.Addr{}, err
	}
	o.ext, o.extAddr = &dockerRunner{name: name, desc: "container " + name + " (" + addr.String() + ") on the kind network"}, addr
	return live.CommandSender(o.ext), addr, nil
}

// Route adds (or, with an invalid via, removes) a route in the external
// client container: the stand-in for the network that routes a Service's
// spec.externalIPs to a node.
func (o *Outside) Route(ctx context.Context, dst, via netip.Addr) error {
	if _, _, err := o.External(ctx); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.routes == nil {
		o.routes = map[netip.Addr]netip.Addr{}
	}
	if cur, ok := o.routes[dst]; ok && cur == via {
		return nil
	}
	argv := []string{"ip", "route", "del", dst.String() + "/32"}
	if via.IsValid() {
		argv = []string{"ip", "route", "replace", dst.String() + "/32", "via", via.String()}
	}
	res, err := o.ext.Run(ctx, argv)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 && via.IsValid() {
		return fmt.Errorf("%s: %s", strings.Join(argv, " "), strings.TrimSpace(res.Stderr))
	}
	o.routes[dst] = via
	return nil
}

// ensureHelper runs a helper container on the kind network (unless it
// runs) and returns its address there.
func (c *Cluster) ensureHelper(ctx context.Context, name string, labels map[string]string, runFlags, args []string) (netip.Addr, error) {
	st, ok, err := dockerCLI.inspectContainer(ctx, name)
	if err != nil {
		return netip.Addr{}, err
	}
	if ok && !st.Running {
		if _, err := dockerCLI.run(ctx, "rm", "-f", name); err != nil {
			return netip.Addr{}, err
		}
		ok = false
	}
	if !ok {
		if id, err := dockerCLI.imageID(ctx, AgnhostImage); err != nil {
			return netip.Addr{}, err
		} else if id == "" {
			if _, err := dockerCLI.run(ctx, "pull", "--quiet", AgnhostImage); err != nil {
				return netip.Addr{}, fmt.Errorf("probe container image: %w", err)
			}
		}
		argv := []string{"run", "-d", "--name", name, "--network", NetworkName, "--label", helperLabel + "=" + c.Name, "--restart", "unless-stopped"}
		for k, v := range labels {
			argv = append(argv, "--label", k+"="+v)
		}
		argv = append(argv, runFlags...)
		argv = append(argv, AgnhostImage)
		argv = append(argv, args...)
		if _, err := dockerCLI.run(ctx, argv...); err != nil {
			return netip.Addr{}, fmt.Errorf("start probe container %s: %w", name, err)
		}
		if st, _, err = dockerCLI.inspectContainer(ctx, name); err != nil {
			return netip.Addr{}, err
		}
	}
	a, ok := st.Networks[NetworkName]
	if !ok {
		return netip.Addr{}, fmt.Errorf("probe container %s has no address on the %s network", name, NetworkName)
	}
	return a, nil
}

// dockerRunner runs commands in a helper container with `docker exec`.
type dockerRunner struct {
	name string
	desc string
}

func (r *dockerRunner) String() string { return r.desc }
func (r *dockerRunner) Shell() bool    { return true }

func (r *dockerRunner) Run(ctx context.Context, argv []string) (live.ExecResult, error) {
	var out bytes.Buffer
	res, err := r.Stream(ctx, argv, nil, &out)
	res.Stdout = out.String()
	return res, err
}

// Stream runs argv in the container with stdin (nil: none) and stdout
// attached (`docker exec -i`).
func (r *dockerRunner) Stream(ctx context.Context, argv []string, stdin io.Reader, stdout io.Writer) (live.ExecResult, error) {
	args := []string{"exec"}
	if stdin != nil {
		args = append(args, "-i")
	}
	cmd := exec.CommandContext(ctx, dockerCLI.bin, append(append(args, r.name), argv...)...)
	var errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, &errb
	// a command that ends while its input stays open (the probe agent
	// when idle) must not wait for that input
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	res := live.ExecResult{Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
		if (res.ExitCode == 125 || res.ExitCode == 126 || res.ExitCode == 127) && strings.Contains(res.Stderr, "Error response from daemon") {
			return res, fmt.Errorf("docker exec %s: %s", r.name, strings.TrimSpace(res.Stderr))
		}
		return res, nil
	}
	return res, fmt.Errorf("docker exec %s: %w", r.name, err)
}
