// Package kind runs ckadlab's practice cluster on kind (sigs.k8s.io/kind,
// used as a library): create or reuse it, preflight the container engine,
// preload the lab images, install the add-ons (Traefik serving the
// IngressClasses nginx and traefik, a LoadBalancer publisher) and report
// progress as events.
// Kind never writes to the terminal: its logger is turned into Events.
//
// Grading on the cluster is done by cluster/live, which works on any kube
// context; this package only manages the kind cluster and what is specific
// to it (a Docker container on kind's network for probes from outside the
// cluster, and the node addresses load balancers use).
//
// The cluster ckadlab creates: one control-plane node (the node image of
// --node-image, $CKADLAB_NODE_IMAGE or kind's default), kubelet
// failCgroupV1: false when Docker runs on cgroup v1, kube-proxy in
// nftables mode (a connection to a Service port that does not exist is
// refused, as the offline model says, instead of leaking out of the node),
// the API server and the ingress host ports (127.0.0.1:8080 and :8443 by
// default) on 127.0.0.1 only, and the kube context kind-NAME written the
// way kind writes it. Add-ons (addons/*.yaml, server-side applied on every
// `cluster up`): Traefik 3.7.13 behind the LoadBalancer Service
// traefik/traefik, serving IngressClass "nginx" (the default class, with
// its kubernetesIngressNGINX provider: ingress-nginx semantics) and
// "traefik" (its standard kubernetesIngress provider). LoadBalancer Services
// get their EXTERNAL-IP from the load balancer publisher (lb.go), a small
// background process. Each time ckadlab opens the cluster it turns off the
// nodes' ICMP error rate limit, so that kube-proxy's rejections always
// arrive.
package kind

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	kindlog "sigs.k8s.io/kind/pkg/log"
)

// Defaults.
const (
	DefaultName = "ckadlab"
	// DefaultNodeImage is kind v0.33.0's default node image (Kubernetes v1.37.0).
	DefaultNodeImage = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
	// NodeImageEnv overrides the node image when --node-image is not given.
	NodeImageEnv = "CKADLAB_NODE_IMAGE"
	// DefaultHTTPPort and DefaultHTTPSPort are the host ports (on
	// 127.0.0.1 only) that reach the ingress controller.
	DefaultHTTPPort  = 8080
	DefaultHTTPSPort = 8443
	// FieldManager is the server-side apply field manager of ckadlab.
	FieldManager = "ckadlab"
)

// Images the labs and add-ons use; they are preloaded into the nodes.
var Images = []string{
	"registry.k8s.io/e2e-test-images/agnhost:2.66.1",
	"docker.io/library/traefik:3.7.13",
	"docker.io/library/nginx:1.27",
	"docker.io/library/busybox:1.37",
}

// AgnhostImage is the probe image (agnhost connect, busybox wget).
const AgnhostImage = "registry.k8s.io/e2e-test-images/agnhost:2.66.1"

// Options select and shape the cluster.
type Options struct {
	// Name is the kind cluster name (default "ckadlab"); the kube context
	// is "kind-" + Name.
	Name string
	// NodeImage overrides the node image (default: $CKADLAB_NODE_IMAGE,
	// else DefaultNodeImage).
	NodeImage string
	// Kubeconfig is an explicit kubeconfig file; "" follows kind's (and
	// kubectl's) rules: the first file of $KUBECONFIG, else ~/.kube/config.
	Kubeconfig string
	// HTTPPort and HTTPSPort are host ports on 127.0.0.1 mapped to the
	// ingress controller (0: defaults; -1: no mapping).
	HTTPPort, HTTPSPort int
	// StateDir holds the load-balancer publisher's pid, lock and log
	// files (default: ckadlab's state directory, as state.DefaultDirs).
	StateDir string
	// Events receives progress. It may be nil. Calls are serialised.
	Events func(Event)
	// Wait bounds the wait for the control plane (default 4 minutes).
	Wait time.Duration
	// KubeProxyMode is kube-proxy's mode for a new cluster: "nftables"
	// (default) or "iptables".
	KubeProxyMode string
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.NodeImage == "" {
		o.NodeImage = strings.TrimSpace(os.Getenv(NodeImageEnv))
	}
	if o.NodeImage == "" {
		o.NodeImage = DefaultNodeImage
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = DefaultHTTPPort
	}
	if o.HTTPSPort == 0 {
		o.HTTPSPort = DefaultHTTPSPort
	}
	if o.Wait <= 0 {
		o.Wait = 4 * time.Minute
	}
	if o.KubeProxyMode == "" {
		o.KubeProxyMode = "nftables"
	}
	return o
}

// Context is the kube context kind writes for a cluster name.
func Context(name string) string {
	if name == "" {
		name = DefaultName
	}
	return "kind-" + name
}

// EventKind classifies an Event.
type EventKind string

const (
	StepStarted EventKind = "step-started"
	StepDone    EventKind = "step-done"
	StepFailed  EventKind = "step-failed"
	Info        EventKind = "info"
	Warning     EventKind = "warning"
)

// Event is one progress report.
type Event struct {
	Time    time.Time     `json:"time"`
	Kind    EventKind     `json:"kind"`
	Step    string        `json:"step,omitempty"`
	Message string        `json:"message"`
	Elapsed time.Duration `json:"elapsed_ns,omitempty"` // for StepDone/StepFailed
}

func (e Event) String() string {
	switch e.Kind {
	case StepStarted:
		return "• " + e.Step + " ..."
	case StepDone:
		return fmt.Sprintf("✓ %s (%.1fs)", e.Step, e.Elapsed.Seconds())
	case StepFailed:
		return fmt.Sprintf("✗ %s (%.1fs)", e.Step, e.Elapsed.Seconds())
	case Warning:
		return "! " + e.Message
	}
	return e.Message
}

// Step is a finished step, as reported by Up.
type Step struct {
	Name     string        `json:"name"`
	OK       bool          `json:"ok"`
	Duration time.Duration `json:"duration_ns"`
}

// progress turns steps and kind's log lines into Events and records the
// steps' timings.
type progress struct {
	mu      sync.Mutex
	emit    func(Event)
	current string
	started time.Time
	steps   []Step
}

func newProgress(emit func(Event)) *progress {
	return &progress{emit: emit}
}

func (p *progress) send(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if p.emit != nil {
		p.emit(e)
	}
}

// start ends the current step (successfully) and starts a new one.
func (p *progress) start(step string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked(true)
	p.current, p.started = step, time.Now()
	p.send(Event{Kind: StepStarted, Step: step, Message: step})
}

// end ends the current step, if any.
func (p *progress) end(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked(ok)
}

func (p *progress) endLocked(ok bool) {
	if p.current == "" {
		return
	}
	d := time.Since(p.started)
	p.steps = append(p.steps, Step{Name: p.current, OK: ok, Duration: d})
	k := StepDone
	if !ok {
		k = StepFailed
	}
	p.send(Event{Kind: k, Step: p.current, Message: p.current, Elapsed: d})
	p.current = ""
}

func (p *progress) info(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.send(Event{Kind: Info, Message: fmt.Sprintf(format, a...)})
}

func (p *progress) warn(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.send(Event{Kind: Warning, Message: fmt.Sprintf(format, a...)})
}

func (p *progress) Steps() []Step {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Step(nil), p.steps...)
}

// kindLogger adapts kind's logger to progress events. Kind reports its
// steps at V(0) as " • STEP  ...", " ✓ STEP" and " ✗ STEP"; other V(0)
// lines become Info events, warnings Warning events; V(1+) is dropped.
type kindLogger struct{ p *progress }

var _ kindlog.Logger = kindLogger{}

func (l kindLogger) Warn(message string) { l.p.warn("%s", strings.TrimSpace(message)) }
func (l kindLogger) Warnf(format string, args ...any) {
	l.p.warn("%s", strings.TrimSpace(fmt.Sprintf(format, args...)))
}
func (l kindLogger) Error(message string) { l.p.warn("%s", strings.TrimSpace(message)) }
func (l kindLogger) Errorf(format string, args ...any) {
	l.p.warn("%s", strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (l kindLogger) V(level kindlog.Level) kindlog.InfoLogger {
	if level > 0 {
		return kindlog.NoopInfoLogger{}
	}
	return kindInfo(l)
}

type kindInfo struct{ p *progress }

func (i kindInfo) Enabled() bool       { return true }
func (i kindInfo) Info(message string) { i.line(message) }
func (i kindInfo) Infof(format string, args ...any) {
	i.line(fmt.Sprintf(format, args...))
}

func (i kindInfo) line(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	switch {
	case strings.HasPrefix(s, "•") && strings.HasSuffix(s, "..."):
		i.p.start(kindStepName(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(s, "•")), "...")))
	case strings.HasPrefix(s, "•"):
		i.p.info("%s", kindStepName(strings.TrimSpace(strings.TrimPrefix(s, "•"))))
	case strings.HasPrefix(s, "✓"):
		i.p.end(true)
	case strings.HasPrefix(s, "✗"):
		i.p.end(false)
	default:
		i.p.info("%s", s)
	}
}

// kindStepName drops the emoji kind decorates its steps with.
func kindStepName(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRightFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r > unicode.MaxLatin1 && !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	return s
}
