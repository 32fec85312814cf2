package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ckadlab/ckadlab/checker"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/probe"
	"github.com/ckadlab/ckadlab/session"
)

func (a *app) reachCommand() *cobra.Command {
	var files []string
	var from, to, port, proto, labID, path string
	var withSolution bool
	cmd := &cobra.Command{
		Use:   "reach (--lab LAB [--solution] | -f FILE)... --from SRC --to DST [--port N|NAME] [--protocol TCP|UDP|SCTP]",
		Short: "Why can't A reach B? Explain a connection on the offline cluster",
		Long: `Apply manifests to an offline cluster and explain whether traffic from SRC reaches
DST, hop by hop: DNS, Service DNAT, NetworkPolicy egress and ingress, listening
ports, Ingress routing.

SRC: NS/POD | ip:ADDR | external
DST: NS/POD | svc:NS/NAME | dns:NAME | ip:ADDR | nodeport:N | lb:NS/NAME | ingress:HOST/PATH

Pods come from the manifests (Deployments get pods named like the real ones; give
a probe source a bare Pod for a stable name). --lab LAB adds a lab's setup first,
--solution its reference solution; -f adds your own files (for example a lab's
answer, or what 'ckadlab solution LAB --write DIR' writes).

The first line is the verdict: for an HTTP answer its status ("✓ 200 from POD",
"✗ 404 no rule for host … path …", "✗ 503 no endpoints for Service …",
"✗ 503 Service … does not exist"); for a destination outside the cluster it
adds the source pod's egress NetworkPolicy verdict. "not graded" marks a probe the offline model cannot decide exactly (for
example a Traefik annotation it does not simulate); grade it on a live cluster.
--json prints {"allowed", "outcome", "service", "backend", "http_status",
"policy", "policy_rule", "ungradable", "no_backend", "near_misses", "reasons", "cause"} (empty
fields are left out; "cause" are the reasons that decided the verdict). A near miss (an object
one small change away from what was likely meant) is printed before the reasons.`,
		Example: reachExamples,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 && labID == "" {
				return fmt.Errorf("give the objects with -f FILE (repeatable; a folder reads its *.yaml files) or --lab LAB")
			}
			src, err := probe.ParseSource(from)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			dst, err := probe.ParseTarget(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			pt, err := probe.ParsePort(port)
			if err != nil {
				return fmt.Errorf("--port: %w", err)
			}
			if pt.IsZero() && dst.Kind != probe.ToIngress && dst.Kind != probe.ToNodePort {
				return fmt.Errorf("--port is needed for %s targets", dst.Kind)
			}
			pr, err := probe.ParseProtocol(proto)
			if err != nil {
				return fmt.Errorf("--protocol: %w", err)
			}
			var objs []manifest.Object
			for _, f := range files {
				o, err := loadPath(f)
				if err != nil {
					return err
				}
				objs = append(objs, o...)
			}
			spec := probe.Spec{From: src, To: dst, Port: pt, Protocol: pr}
			if path != "" {
				spec.HTTP = &probe.HTTPExpect{Path: path}
			}
			var res probe.Result
			if labID != "" {
				l, err := a.startedLab(labID)
				if err != nil {
					return err
				}
				if err := a.guardExam(l.ID, "connectivity explanations"); err != nil {
					return err
				}
				if withSolution {
					sol, err := checker.SolutionObjects(l)
					if err != nil {
						return err
					}
					objs = append(sol, objs...)
				}
				b, err := session.OfflineBackend(l, objs)
				if err != nil {
					return err
				}
				res, err = b.Probe(cmd.Context(), spec)
				if err != nil {
					return err
				}
			} else {
				b, err := session.NewOffline(nil, objs, "default")
				if err != nil {
					return err
				}
				res, err = b.Probe(cmd.Context(), spec)
				if err != nil {
					return err
				}
			}
			if res.Reasons == nil {
				res.Reasons = []string{}
			}
			return a.emit(res, func(w io.Writer) {
				p := a.pal()
				ok, word := reachVerdict(res, spec)
				verdict := p.ok("✓ " + word)
				if !ok {
					verdict = p.bad("✗ " + word)
				}
				fmt.Fprintf(w, "%s  %s\n", verdict, spec)
				if res.Ungradable != "" {
					fmt.Fprintf(w, "  %s %s\n", p.warn("not graded:"), res.Ungradable)
				}
				if res.Service != "" {
					fmt.Fprintf(w, "  service: %s\n", res.Service)
				}
				if res.Backend != "" {
					fmt.Fprintf(w, "  backend: %s\n", res.Backend)
				}
				if res.HTTPStatus != 0 {
					fmt.Fprintf(w, "  http:    %d\n", res.HTTPStatus)
				}
				for _, n := range res.NearMisses {
					fmt.Fprintf(w, "  %s %s\n", p.warn("near miss:"), n)
				}
				for _, r := range res.Reasons {
					fmt.Fprintf(w, "  - %s\n", r)
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&files, "filename", "f", nil, "manifest file or folder (repeatable)")
	f.StringVar(&from, "from", "", "source: NS/POD, ip:ADDR or external")
	f.StringVar(&to, "to", "", "destination: NS/POD, svc:NS/NAME, dns:NAME, ip:ADDR, nodeport:N, lb:NS/NAME or ingress:HOST/PATH")
	f.StringVar(&port, "port", "", "destination port number or named port (default 80 for ingress)")
	f.StringVar(&proto, "protocol", "TCP", "TCP, UDP or SCTP")
	f.StringVar(&path, "path", "", "HTTP path to request (non-ingress targets)")
	f.StringVar(&labID, "lab", "", "start from this lab's setup")
	f.BoolVar(&withSolution, "solution", false, "with --lab: also apply the lab's reference solution")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("to")
	cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"TCP", "UDP", "SCTP"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("lab", a.completeLabs)
	return cmd
}

// reachExamples are the examples of `reach --help`; every one runs as
// printed, in order, in an empty folder (TestReachExamples runs them).
const reachExamples = `  ckadlab reach --lab np-test-network-policy --solution --from myproject/frontend --to prod/db --port 6379
  ckadlab reach --lab np-test-network-policy --solution --from prod/db --to ip:10.0.0.99 --port 5978
  ckadlab reach --lab np-test-network-policy --solution --from legacy/vm-b --to prod/db --port 6379 --json
  ckadlab solution ing-path-routing --write ./answer
  ckadlab reach --lab ing-path-routing -f ./answer --from external --to ingress:store.example.com/cart
  ckadlab reach --lab ing-path-routing -f ./answer --from external --to ingress:store.example.com/checkout`

// reachVerdict is the first word(s) of reach's text output and whether
// they read as a success. An HTTP answer is judged by its status, so a
// 404 or 503 never reads as a success; a destination outside the cluster
// also shows the source pod's egress NetworkPolicy verdict.
func reachVerdict(res probe.Result, spec probe.Spec) (bool, string) {
	if st := res.HTTPStatus; st != 0 {
		ok := res.Allowed && st < 400
		return ok, strconv.Itoa(st) + " " + httpStatusWhy(res, spec)
	}
	word := "allowed"
	if !res.Allowed {
		word = strings.ToUpper(string(res.Outcome)[:1]) + string(res.Outcome)[1:]
	}
	switch res.Policy {
	case "allowed":
		word += " (egress allowed)"
	case "denied":
		word += " (egress denied)"
	case "not-isolated":
		word += " (egress not isolated)"
	}
	return res.Allowed, word
}

// httpStatusWhy says in a few words where an HTTP status came from.
func httpStatusWhy(res probe.Result, spec probe.Spec) string {
	from := res.Backend
	if from == "" && spec.To.Kind == probe.ToPod {
		from = spec.To.Namespace + "/" + spec.To.Name
	}
	switch st := res.HTTPStatus; {
	case st < 400 && from != "":
		return "from " + from
	case st == 404 && res.Backend == "" && spec.To.Kind == probe.ToIngress:
		host := spec.To.Host
		if host == "" {
			host = "(no Host header)"
		}
		return fmt.Sprintf("no rule for host %s path %s", host, spec.To.Path)
	case st == 503 && res.Service != "":
		return "no endpoints for Service " + res.Service
	case st == 503 && res.NoBackend != "":
		return res.NoBackend
	case st == 502 && res.Service != "":
		return "connection to Service " + res.Service + " refused"
	case st == 504 && res.Service != "":
		return "connection to Service " + res.Service + " timed out (dropped)"
	case from != "":
		return "from " + from
	}
	return strings.TrimSpace(http.StatusText(res.HTTPStatus))
}

// loadPath reads a manifest file, or the manifest files of a folder.
func loadPath(p string) ([]manifest.Object, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return manifest.LoadDir(p)
	}
	// A FIFO, a device or an oversized file is refused unread.
	data, err := manifest.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return manifest.Decode(p, data)
}
