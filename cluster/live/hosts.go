package live

// Routed hosts: a probe "from ip:ADDR" (or from a lab pod whose manifest
// pins an address outside the pod network, such as the documentation's
// ipBlock example) needs packets that really come from ADDR. A host
// stand-in pod (namespace ckadlab-system) adds ADDR to its interface and
// sends from it; the nodes route ADDR back to that pod. Everything stays
// inside the cluster's own network, so no Docker bridge or host NAT rule
// rewrites the address on the way (Docker masquerades its default bridge
// range 172.17.0.0/16, the very range of that example). NetworkPolicy sees
// ADDR as a host outside the cluster (ipBlock peers), as it would see a VM.
// Traffic from pods to ADDR reaches the stand-in too, which serves the
// ports the pinned pod listens on as the offline model infers them: TCP
// with agnhost netexec (HTTP), UDP with agnhost serve-hostname (it answers
// every datagram, as agnhost connect needs).

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/netmodel"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// host starts (once per backend) the stand-in for addr.
func (b *Backend) host(ctx context.Context, snap *snapshot, addr netip.Addr, listen []netmodel.ListenPort) (Runner, error) {
	if !addr.Is4() {
		return nil, fmt.Errorf("host %s: only IPv4 hosts are supported", addr)
	}
	for _, p := range snap.model.PodNetwork() {
		if p.Contains(addr) {
			return nil, fmt.Errorf("host %s: the address is inside the cluster's pod network %s; a host outside the cluster cannot have it", addr, p)
		}
	}
	for _, n := range snap.objs.Nodes {
		for _, c := range n.Spec.PodCIDRs {
			if p, err := netip.ParsePrefix(c); err == nil && p.Contains(addr) {
				return nil, fmt.Errorf("host %s: the address is inside the pod network %s of node %s; a host outside the cluster cannot have it", addr, p, n.Name)
			}
		}
	}
	if snap.model.ServiceAt(addr) != nil {
		return nil, fmt.Errorf("host %s: the address is a Service's ClusterIP", addr)
	}
	return b.probePod(ctx, "host:"+addr.String(), func(ctx context.Context) (Runner, error) {
		return b.startHost(ctx, snap, addr, listen)
	})
}

func hostPodName(addr netip.Addr) string {
	return "ckadlab-host-" + strings.ReplaceAll(addr.String(), ".", "-")
}

func (b *Backend) startHost(ctx context.Context, snap *snapshot, addr netip.Addr, listen []netmodel.ListenPort) (Runner, error) {
	if err := ensureNamespace(ctx, b.c, SystemNamespace); err != nil {
		return nil, err
	}
	node := firstNode(snap)
	if node == nil {
		return nil, fmt.Errorf("host %s: the cluster has no node", addr)
	}
	script, served := standInScript(listen)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: hostPodName(addr), Namespace: SystemNamespace,
			Labels:      map[string]string{probeRoleLabel: "host"},
			Annotations: map[string]string{probeForAnnot: "host/" + addr.String(), "ckadlab.io/listen": served},
		},
		Spec: corev1.PodSpec{
			NodeName:                      node.Name,
			AutomountServiceAccountToken:  ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{
				Name: "probe", Image: ProbeImage, ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"sh", "-c", script},
				SecurityContext: &corev1.SecurityContext{
					Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}},
				},
			}},
		},
	}
	// A stand-in left by an earlier run with other ports is replaced.
	if old, err := b.c.Kube.CoreV1().Pods(SystemNamespace).Get(ctx, pod.Name, metav1.GetOptions{}); err == nil && old.Annotations["ckadlab.io/listen"] != pod.Annotations["ckadlab.io/listen"] {
		if err := b.c.Kube.CoreV1().Pods(SystemNamespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if err := waitGone(ctx, b.c, SystemNamespace, pod.Name); err != nil {
			return nil, err
		}
	}
	r, err := b.startProbePod(ctx, pod)
	if err != nil {
		return nil, err
	}
	run := func(r Runner, argv ...string) (string, error) {
		res, err := r.Run(ctx, argv)
		if err != nil {
			return "", err
		}
		if res.ExitCode != 0 {
			return res.Stdout, fmt.Errorf("%s: %s", strings.Join(argv, " "), strings.TrimSpace(res.Stderr))
		}
		return res.Stdout, nil
	}
	p, err := b.c.Kube.CoreV1().Pods(SystemNamespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	// Both sides are set up at once (every command is an exec, and the
	// check waits for them), and only what is missing: a stand-in kept
	// from an earlier check needs one exec on its side.
	var wg sync.WaitGroup
	errs := make([]error, 1+len(snap.objs.Nodes))
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The stand-in's side: the address, and everything sent from it:
		// every route through a gateway sends from ADDR (the pod
		// network's route as much as the default route).
		out, err := run(r, "sh", "-c", fmt.Sprintf("ip addr show dev eth0 | grep -q ' %s/32' || ip addr add %s/32 dev eth0; ip -4 route show", addr, addr))
		if err != nil {
			errs[0] = fmt.Errorf("host %s: %w", addr, err)
			return
		}
		routes := viaRoutes(out)
		if len(routes) == 0 {
			errs[0] = fmt.Errorf("host %s: the stand-in pod has no route through a gateway (%q)", addr, strings.TrimSpace(out))
			return
		}
		var cmds []string
		for _, rt := range routes {
			if rt.src != addr.String() {
				cmds = append(cmds, quoteArgv([]string{"ip", "route", "replace", rt.dst, "via", rt.gw, "dev", rt.dev, "src", addr.String()}))
			}
		}
		if len(cmds) > 0 {
			if _, err := run(r, "sh", "-c", strings.Join(cmds, " && ")); err != nil {
				errs[0] = fmt.Errorf("host %s: %w", addr, err)
			}
		}
	}()
	// The nodes' side: ADDR is reached through the stand-in pod.
	standinNodeIP := nodeInternalIP(node)
	for i := range snap.objs.Nodes {
		n := &snap.objs.Nodes[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			router, err := b.routerPod(ctx, n)
			if err != nil {
				errs[1+i] = err
				return
			}
			var cmd string
			if n.Name == node.Name {
				cmd = fmt.Sprintf("dev=$(ip route get %s | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n1) && [ -n \"$dev\" ] && ip route replace %s/32 dev \"$dev\"", p.Status.PodIP, addr)
			} else {
				cmd = fmt.Sprintf("ip route replace %s/32 via %s", addr, standinNodeIP)
			}
			if _, err := run(router, "sh", "-c", cmd); err != nil {
				errs[1+i] = fmt.Errorf("host %s: route on node %s: %w", addr, n.Name, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// standInScript is the shell command of a host stand-in: a server for
// each port the pinned pod listens on (TCP: agnhost netexec, an HTTP server,
// with its UDP server off; UDP: agnhost serve-hostname, which answers
// every datagram with the pod's name, as agnhost connect --protocol=udp
// needs to see the port open), then pause. SCTP ports are not served. served
// lists the ports served ("TCP/8080 UDP/8081"; a stand-in left by an earlier
// run with other ports is replaced).
func standInScript(listen []netmodel.ListenPort) (script, served string) {
	ports := append([]netmodel.ListenPort(nil), listen...)
	sort.Slice(ports, func(i, j int) bool {
		if ports[i].Protocol != ports[j].Protocol {
			return ports[i].Protocol < ports[j].Protocol
		}
		return ports[i].Port < ports[j].Port
	})
	var cmds, names []string
	seen := map[netmodel.ListenPort]bool{}
	for _, p := range ports {
		if p.Port < 1 || p.Port > 65535 || seen[p] {
			continue
		}
		seen[p] = true
		switch p.Protocol {
		case corev1.ProtocolTCP, "":
			cmds = append(cmds, fmt.Sprintf("/agnhost netexec --http-port=%d --udp-port=-1 &", p.Port))
			names = append(names, fmt.Sprintf("TCP/%d", p.Port))
		case corev1.ProtocolUDP:
			cmds = append(cmds, fmt.Sprintf("/agnhost serve-hostname --http=false --udp --port=%d &", p.Port))
			names = append(names, fmt.Sprintf("UDP/%d", p.Port))
		}
	}
	return strings.Join(append(cmds, "exec /agnhost pause"), " "), strings.Join(names, " ")
}

type viaRoute struct{ dst, gw, dev, src string }

// viaRoutes reads `ip -4 route show`: the routes through a gateway.
func viaRoutes(out string) []viaRoute {
	var rs []viaRoute
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		r := viaRoute{dst: f[0], dev: "eth0"}
		for i := 1; i+1 < len(f); i++ {
			switch f[i] {
			case "via":
				r.gw = f[i+1]
			case "dev":
				r.dev = f[i+1]
			case "src":
				r.src = f[i+1]
			}
		}
		if r.gw != "" {
			rs = append(rs, r)
		}
	}
	return rs
}

func firstNode(snap *snapshot) *corev1.Node {
	var best *corev1.Node
	for i := range snap.objs.Nodes {
		n := &snap.objs.Nodes[i]
		if best == nil || n.Name < best.Name {
			best = n
		}
	}
	return best
}

func nodeInternalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

// routerPod is a hostNetwork pod with NET_ADMIN on a node, used to add the
// routes to host stand-ins.
func (b *Backend) routerPod(ctx context.Context, n *corev1.Node) (Runner, error) {
	return b.probePod(ctx, "router:"+n.Name, b.podFrom(func(ctx context.Context) (*corev1.Pod, error) {
		if err := ensureNamespace(ctx, b.c, SystemNamespace); err != nil {
			return nil, err
		}
		pod := probePodSpec("ckadlab-router-"+shortHash(n.Name), SystemNamespace, n.Name)
		pod.Labels = map[string]string{probeRoleLabel: "router"}
		pod.Annotations = map[string]string{probeForAnnot: "router/" + n.Name}
		pod.Spec.HostNetwork = true
		pod.Spec.SecurityContext = nil
		pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
			RunAsUser:    ptr.To(int64(0)),
			Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}},
		}
		return pod, nil
	}))
}

func waitGone(ctx context.Context, c *Clients, ns, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		_, err := c.Kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pod %s/%s is still there", ns, name)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
