package netmodel

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file decides what a pod's readinessProbes answer, as the kubelet
// would run them, from the same listening model probes use (listen.go):
// an httpGet probe succeeds when something serves its port and the
// application answers its path with 2xx or 3xx, a tcpSocket probe when
// something listens on its port. exec and grpc probes run code the model
// does not simulate: their outcome is unknown. startupProbe and
// livenessProbe do not decide readiness here (a failing liveness probe
// restarts a container; the model has no clock to show that).

// ReadinessAssumed is the Reason the offline cluster gives a pod's Ready
// condition when it counts the pod ready although the model cannot tell
// whether one of its readiness probes succeeds (an exec or grpc probe, a
// server it does not simulate). A probe whose traffic goes to such a pod
// as a Service endpoint cannot be graded offline (see
// prober.readinessUnsure).
const ReadinessAssumed = "ReadinessProbeNotSimulated"

// ContainerReadiness is what one container's readinessProbe decides.
type ContainerReadiness struct {
	Container string
	// Ready: the probe succeeds, the container has none, or the model
	// cannot tell (Unknown is then set and the container counts as ready).
	Ready bool
	// Event is the kubelet's event message for a failing probe, e.g.
	// "Readiness probe failed: HTTP probe failed with statuscode: 404".
	Event string
	// Unknown says why the model cannot tell whether the probe succeeds.
	Unknown string
}

// Readiness is what a pod's readiness probes decide: the pod is ready when
// every long-running container (app containers and sidecars) is.
type Readiness struct {
	Ready      bool
	Containers []ContainerReadiness
}

// NotReady lists the containers whose readiness probe fails.
func (r Readiness) NotReady() []string {
	var out []string
	for _, c := range r.Containers {
		if !c.Ready {
			out = append(out, c.Container)
		}
	}
	return out
}

// Unknown lists why the model cannot tell whether some of the pod's
// readiness probes succeed ("" entries are left out).
func (r Readiness) Unknown() []string {
	var out []string
	for _, c := range r.Containers {
		if c.Unknown != "" {
			out = append(out, c.Unknown)
		}
	}
	return out
}

// Events are the kubelet's events for the failing probes.
func (r Readiness) Events() []string {
	var out []string
	for _, c := range r.Containers {
		if c.Event != "" {
			out = append(out, c.Event)
		}
	}
	return out
}

// PodReadiness runs a pod's readiness probes against the model of what
// its containers serve. podIP is the address the kubelet probes (it only
// appears in messages; "" reads as "<pod-ip>").
func PodReadiness(p *corev1.Pod, podIP string) Readiness {
	r := Readiness{Ready: true}
	var cs []*corev1.Container
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			cs = append(cs, c)
		}
	}
	for i := range p.Spec.Containers {
		cs = append(cs, &p.Spec.Containers[i])
	}
	if podIP == "" {
		podIP = "<pod-ip>"
	}
	for _, c := range cs {
		cr := containerReadiness(p, c, podIP)
		r.Containers = append(r.Containers, cr)
		if !cr.Ready {
			r.Ready = false
		}
	}
	return r
}

const readinessPrefix = "Readiness probe "

func containerReadiness(p *corev1.Pod, c *corev1.Container, podIP string) ContainerReadiness {
	cr := ContainerReadiness{Container: c.Name, Ready: true}
	rp := c.ReadinessProbe
	if rp == nil {
		return cr
	}
	fail := func(msg string) ContainerReadiness {
		cr.Ready, cr.Event = false, readinessPrefix+"failed: "+msg
		return cr
	}
	errored := func(err string) ContainerReadiness {
		cr.Ready, cr.Event = false, readinessPrefix+"errored and resulted in unknown state: "+err
		return cr
	}
	unknown := func(why string) ContainerReadiness {
		cr.Unknown = fmt.Sprintf("pod %s: container %s's readinessProbe %s", podKey(p), c.Name, why)
		return cr
	}
	switch {
	case rp.Exec != nil:
		return unknown(fmt.Sprintf("runs %q in the container, which the offline model does not simulate", strings.Join(rp.Exec.Command, " ")))
	case rp.GRPC != nil:
		return unknown(fmt.Sprintf("is a gRPC health check on port %d, which the offline model does not simulate", rp.GRPC.Port))
	case rp.HTTPGet != nil:
		h := rp.HTTPGet
		port, err := resolveProbePort(h.Port, c)
		if err != "" {
			return errored(err)
		}
		if h.Host != "" && h.Host != podIP {
			return unknown(fmt.Sprintf("asks host %s, which the offline model does not simulate", h.Host))
		}
		scheme := strings.ToLower(string(h.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		reqPath := h.Path
		if !strings.HasPrefix(reqPath, "/") {
			reqPath = "/" + reqPath
		}
		url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(podIP, strconv.Itoa(port)), reqPath)
		lr := checkListen(p, port, corev1.ProtocolTCP, false)
		if !lr.ok {
			if lr.unknown != "" {
				return unknown("asks " + url + ": " + lr.unknown)
			}
			return fail(fmt.Sprintf("Get %q: dial tcp %s: connect: connection refused", url, net.JoinHostPort(podIP, strconv.Itoa(port))))
		}
		s := lr.socket
		if scheme == "https" {
			if !s.tls {
				if _, _, isHTTP := httpAnswer(s, reqPath); isHTTP {
					return fail(fmt.Sprintf("Get %q: http: server gave HTTP response to HTTPS client", url))
				}
				return fail(fmt.Sprintf("Get %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", url))
			}
			s.tls = false // the kubelet speaks TLS and does not verify the certificate
		}
		if s.app == appAssumed {
			return unknown(fmt.Sprintf("asks %s, and what the container answers there is not modelled", url))
		}
		status, _, isHTTP := httpAnswer(s, reqPath)
		switch {
		case !isHTTP:
			return fail(fmt.Sprintf("Get %q: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", url))
		case status < 200 || status >= 400:
			return fail(fmt.Sprintf("HTTP probe failed with statuscode: %d", status))
		}
		return cr
	case rp.TCPSocket != nil:
		port, err := resolveProbePort(rp.TCPSocket.Port, c)
		if err != "" {
			return errored(err)
		}
		if h := rp.TCPSocket.Host; h != "" && h != podIP {
			return unknown(fmt.Sprintf("connects to host %s, which the offline model does not simulate", h))
		}
		lr := checkListen(p, port, corev1.ProtocolTCP, false)
		if !lr.ok {
			if lr.unknown != "" {
				return unknown(fmt.Sprintf("connects to TCP port %d: %s", port, lr.unknown))
			}
			return fail(fmt.Sprintf("dial tcp %s: connect: connection refused", net.JoinHostPort(podIP, strconv.Itoa(port))))
		}
		return cr
	}
	return errored(fmt.Sprintf("missing probe handler for %s:%s", podKey(p), c.Name))
}

// resolveProbePort is the kubelet's port of a probe: a number as it is, a
// name through the probed container's own ports.
func resolveProbePort(port intstr.IntOrString, c *corev1.Container) (int, string) {
	n := -1
	switch port.Type {
	case intstr.Int:
		n = port.IntValue()
	case intstr.String:
		found := false
		for _, cp := range c.Ports {
			if cp.Name == port.StrVal {
				n, found = int(cp.ContainerPort), true
				break
			}
		}
		if !found {
			return 0, fmt.Sprintf("port %q not found", port.StrVal)
		}
	}
	if n > 0 && n < 65536 {
		return n, ""
	}
	return n, fmt.Sprintf("invalid port number: %d", n)
}

// assumedReady is why the offline cluster counted p ready without being
// able to run its readiness probe ("" when it did not).
func assumedReady(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && c.Reason == ReadinessAssumed {
			if c.Message == "" {
				return fmt.Sprintf("pod %s counts as ready, but the offline model cannot run its readinessProbe", podKey(p))
			}
			return c.Message
		}
	}
	return ""
}

// readinessUnsure marks the probe ungradable when the Service's endpoints
// include a pod the offline cluster counts ready without knowing whether
// its readiness probe succeeds: live, the pod may not be an endpoint.
// Services that publish not-ready addresses do not depend on readiness.
func (pr *prober) readinessUnsure(s *corev1.Service, eps []endpoint) {
	if s == nil || s.Spec.PublishNotReadyAddresses {
		return
	}
	var pods []string
	first := ""
	seen := map[*corev1.Pod]bool{}
	for _, e := range eps {
		if e.pod == nil || seen[e.pod] {
			continue
		}
		seen[e.pod] = true
		if why := assumedReady(e.pod); why != "" {
			pods = append(pods, podKey(e.pod))
			if first == "" {
				first = why
			}
		}
	}
	if len(pods) == 0 {
		return
	}
	pr.cannotGrade(fmt.Sprintf("whether %s %s ready endpoints of Service %s is not known (%s)",
		strings.Join(pods, ", "), plural(len(pods), "is one of the", "are"), svcKey(s), first))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
