package inspect

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ckadlab/ckadlab/cluster/offline"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/netmodel"
)

// DescribeOptions are `describe`'s arguments and flags.
type DescribeOptions struct {
	Kind string
	// Names to describe; none means every object of the kind in the
	// namespace (matching Selector), as kubectl does.
	Names         []string
	Namespace     string // "" means "default"
	AllNamespaces bool
	Selector      string
}

// Describe prints objects of the offline cluster as `kubectl describe`
// does, for the kinds the labs use (other kinds get their metadata).
// The offline cluster keeps no events: Events are <none>, except on a
// running pod whose readiness probe fails, which shows the kubelet's
// Unhealthy event as netmodel words it.
func Describe(out io.Writer, c *offline.Cluster, o DescribeOptions) error {
	kinds, err := ResolveKinds(o.Kind)
	if err != nil {
		return err
	}
	if len(kinds) != 1 {
		return fmt.Errorf("describe takes one resource type (got %q)", o.Kind)
	}
	k := kinds[0]
	sel := labels.Everything()
	if o.Selector != "" {
		if sel, err = labels.Parse(o.Selector); err != nil {
			return fmt.Errorf("-l %q: %v", o.Selector, err)
		}
	}
	ns := o.Namespace
	if ns == "" {
		ns = "default"
	}
	if o.AllNamespaces {
		ns = ""
	}
	objs, err := c.List(k.Kind, ns)
	if err != nil {
		return err
	}
	var chosen []runtime.Object
	var missing []string
	if len(o.Names) > 0 {
		byName := map[string]runtime.Object{}
		for _, obj := range objs {
			byName[metaOf(obj).GetName()] = obj
		}
		for _, n := range o.Names {
			if obj, ok := byName[n]; ok {
				chosen = append(chosen, obj)
			} else {
				missing = append(missing, (&NotFoundError{Resource: k.Plural, Name: n}).Error())
			}
		}
	} else {
		for _, obj := range objs {
			if sel.Matches(labels.Set(metaOf(obj).GetLabels())) {
				chosen = append(chosen, obj)
			}
		}
		if len(chosen) == 0 {
			if k.Namespaced && !o.AllNamespaces {
				return fmt.Errorf("no %s found in %s namespace", k.Plural, ns)
			}
			return fmt.Errorf("no %s found", k.Plural)
		}
	}
	d := &describer{c: c}
	for i, obj := range chosen {
		if i > 0 {
			fmt.Fprint(out, "\n\n")
		}
		io.WriteString(out, d.describe(k, obj))
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s", strings.Join(missing, "\n"))
	}
	return nil
}

type describer struct{ c *offline.Cluster }

// pw writes kubectl's describe layout: "Key:\tvalue" lines aligned by a
// tab writer, nested levels indented by two spaces.
type pw struct{ tw *tabwriter.Writer }

func (p pw) line(level int, format string, args ...any) {
	fmt.Fprintf(p.tw, strings.Repeat("  ", level)+format+"\n", args...)
}

func render(f func(p pw)) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	f(pw{tw})
	tw.Flush()
	return b.String()
}

// multi prints a map one key per line, the first after the title.
func (p pw) multi(level int, title string, m map[string]string, sep string) {
	ind := strings.Repeat("  ", level)
	if len(m) == 0 {
		fmt.Fprintf(p.tw, "%s%s:\t<none>\n", ind, title)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		t := ""
		if i == 0 {
			t = title + ":"
		}
		fmt.Fprintf(p.tw, "%s%s\t%s%s%s\n", ind, t, k, sep, m[k])
	}
}

func (p pw) meta(m metav1.Object, namespaced bool) {
	p.line(0, "Name:\t%s", m.GetName())
	if namespaced {
		p.line(0, "Namespace:\t%s", m.GetNamespace())
	}
	p.multi(0, "Labels", m.GetLabels(), "=")
	p.multi(0, "Annotations", withoutLastApplied(m.GetAnnotations()), ": ")
}

func withoutLastApplied(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != corev1.LastAppliedConfigAnnotation {
			out[k] = v
		}
	}
	return out
}

func timestamp(t metav1.Time) string {
	return t.Time.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700")
}

func (d *describer) describe(k manifest.KindInfo, obj runtime.Object) string {
	switch o := obj.(type) {
	case *corev1.Service:
		return d.service(o)
	case *networkingv1.Ingress:
		return d.ingress(o)
	case *networkingv1.NetworkPolicy:
		return networkPolicy(o)
	case *corev1.Pod:
		return d.pod(o)
	case *appsv1.Deployment:
		return d.deployment(o)
	case *appsv1.ReplicaSet:
		return d.replicaSet(o)
	//lint:ignore SA1019 kubectl still lists and describes v1 Endpoints, as hints ask learners to
	case *corev1.Endpoints:
		return endpoints(o)
	case *discoveryv1.EndpointSlice:
		return endpointSlice(o)
	case *corev1.Namespace:
		return render(func(p pw) {
			p.meta(o, false)
			p.line(0, "Status:\t%s", orDefault(string(o.Status.Phase), "Active"))
			p.line(0, "")
			p.line(0, "No resource quota.")
			p.line(0, "")
			p.line(0, "No LimitRange resource.")
		})
	case *networkingv1.IngressClass:
		return render(func(p pw) {
			p.meta(o, false)
			p.line(0, "Controller:\t%s", o.Spec.Controller)
			p.line(0, "Events:\t<none>")
		})
	case *corev1.ConfigMap:
		return render(func(p pw) {
			p.meta(o, true)
			p.line(0, "")
			p.line(0, "Data")
			p.line(0, "====")
			for _, key := range sortedKeys(o.Data) {
				p.line(0, "%s:", key)
				p.line(0, "----")
				p.line(0, "%s", o.Data[key])
				p.line(0, "")
			}
			p.line(0, "")
			p.line(0, "BinaryData")
			p.line(0, "====")
			p.line(0, "")
			p.line(0, "Events:\t<none>")
		})
	case *corev1.Secret:
		return render(func(p pw) {
			p.meta(o, true)
			p.line(0, "")
			p.line(0, "Type:\t%s", orDefault(string(o.Type), string(corev1.SecretTypeOpaque)))
			p.line(0, "")
			p.line(0, "Data")
			p.line(0, "====")
			keys := make([]string, 0, len(o.Data))
			for k := range o.Data {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, key := range keys {
				p.line(0, "%s:\t%d bytes", key, len(o.Data[key]))
			}
		})
	}
	m := metaOf(obj)
	return render(func(p pw) {
		p.meta(m, k.Namespaced)
		p.line(0, "CreationTimestamp:\t%s", timestamp(m.GetCreationTimestamp()))
		p.line(0, "Events:\t<none>")
	})
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// slicesOf returns the EndpointSlices of a Service.
func (d *describer) slicesOf(ns, svc string) []*discoveryv1.EndpointSlice {
	objs, _ := d.c.List("EndpointSlice", ns)
	var out []*discoveryv1.EndpointSlice
	for _, o := range objs {
		s := o.(*discoveryv1.EndpointSlice)
		if s.Labels[discoveryv1.LabelServiceName] == svc {
			out = append(out, s)
		}
	}
	return out
}

// readyEndpoints lists "ip:port" of a Service's ready endpoints for the
// Service port named portName ("" for an unnamed port), as kubectl does.
func readyEndpoints(slices []*discoveryv1.EndpointSlice, portName string) string {
	var items []string
	for _, s := range slices {
		for _, p := range s.Ports {
			if p.Name == nil || *p.Name != portName {
				continue
			}
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready != nil && !*ep.Conditions.Ready || len(ep.Addresses) == 0 {
					continue
				}
				if p.Port == nil {
					items = append(items, ep.Addresses[0])
				} else {
					items = append(items, fmt.Sprintf("%s:%d", ep.Addresses[0], *p.Port))
				}
			}
		}
		if len(s.Ports) == 0 {
			for _, ep := range s.Endpoints {
				if len(ep.Addresses) > 0 {
					items = append(items, ep.Addresses[0])
				}
			}
		}
	}
	return firstThree(items)
}

func (d *describer) service(s *corev1.Service) string {
	slices := d.slicesOf(s.Namespace, s.Name)
	return render(func(p pw) {
		p.meta(s, true)
		p.line(0, "Selector:\t%s", labelsOrEmpty(s.Spec.Selector))
		p.line(0, "Type:\t%s", s.Spec.Type)
		if s.Spec.IPFamilyPolicy != nil {
			p.line(0, "IP Family Policy:\t%s", *s.Spec.IPFamilyPolicy)
		}
		fams := make([]string, 0, len(s.Spec.IPFamilies))
		for _, f := range s.Spec.IPFamilies {
			fams = append(fams, string(f))
		}
		p.line(0, "IP Families:\t%s", orNone(strings.Join(fams, ",")))
		p.line(0, "IP:\t%s", s.Spec.ClusterIP)
		p.line(0, "IPs:\t%s", orNone(strings.Join(s.Spec.ClusterIPs, ",")))
		if len(s.Spec.ExternalIPs) > 0 {
			p.line(0, "External IPs:\t%s", strings.Join(s.Spec.ExternalIPs, ","))
		}
		if s.Spec.ExternalName != "" {
			p.line(0, "External Name:\t%s", s.Spec.ExternalName)
		}
		if lb := lbAddresses(s.Status.LoadBalancer.Ingress); len(lb) > 0 {
			p.line(0, "LoadBalancer Ingress:\t%s", strings.Join(lb, ", "))
		}
		for _, sp := range s.Spec.Ports {
			name := orDefault(sp.Name, "<unset>")
			p.line(0, "Port:\t%s  %d/%s", name, sp.Port, sp.Protocol)
			p.line(0, "TargetPort:\t%s/%s", sp.TargetPort.String(), sp.Protocol)
			if sp.AppProtocol != nil {
				p.line(0, "AppProtocol:\t%s", *sp.AppProtocol)
			}
			if sp.NodePort != 0 {
				p.line(0, "NodePort:\t%s  %d/%s", name, sp.NodePort, sp.Protocol)
			}
			p.line(0, "Endpoints:\t%s", readyEndpoints(slices, sp.Name))
		}
		p.line(0, "Session Affinity:\t%s", orDefault(string(s.Spec.SessionAffinity), "None"))
		if s.Spec.ExternalTrafficPolicy != "" {
			p.line(0, "External Traffic Policy:\t%s", s.Spec.ExternalTrafficPolicy)
		}
		if s.Spec.InternalTrafficPolicy != nil {
			p.line(0, "Internal Traffic Policy:\t%s", *s.Spec.InternalTrafficPolicy)
		}
		p.line(0, "Events:\t<none>")
	})
}

func labelsOrEmpty(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	return labelsText(m)
}

// backend is a backend as kubectl describe shows it: "svc:port (endpoints)",
// with the error kubectl shows when the Service is missing.
func (d *describer) backend(ns string, b *networkingv1.IngressBackend) string {
	if b.Resource != nil {
		return fmt.Sprintf("APIGroup: %s, Kind: %s, Name: %s", orNone(derefStr(b.Resource.APIGroup)), b.Resource.Kind, b.Resource.Name)
	}
	if b.Service == nil {
		return ""
	}
	port := b.Service.Port.Name
	if port == "" {
		port = fmt.Sprint(b.Service.Port.Number)
	}
	s := b.Service.Name + ":" + port
	objs, _ := d.c.List("Service", ns)
	var svc *corev1.Service
	for _, o := range objs {
		if x := o.(*corev1.Service); x.Name == b.Service.Name {
			svc = x
		}
	}
	if svc == nil {
		return fmt.Sprintf("%s (<error: services %q not found>)", s, b.Service.Name)
	}
	spName, found := "", false
	for _, sp := range svc.Spec.Ports {
		if b.Service.Port.Number != 0 && sp.Port == b.Service.Port.Number || b.Service.Port.Name != "" && sp.Name == b.Service.Port.Name {
			spName, found = sp.Name, true
		}
	}
	if !found {
		return s + " (<none>)"
	}
	return fmt.Sprintf("%s (%s)", s, readyEndpoints(d.slicesOf(ns, svc.Name), spName))
}

func derefStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (d *describer) ingress(ing *networkingv1.Ingress) string {
	return render(func(p pw) {
		p.line(0, "Name:\t%s", ing.Name)
		p.multi(0, "Labels", ing.Labels, "=")
		p.line(0, "Namespace:\t%s", ing.Namespace)
		p.line(0, "Address:\t%s", ingressAddress(ing.Status.LoadBalancer.Ingress))
		p.line(0, "Ingress Class:\t%s", orNone(derefStr(ing.Spec.IngressClassName)))
		def := "<default>"
		if ing.Spec.DefaultBackend != nil {
			def = d.backend(ing.Namespace, ing.Spec.DefaultBackend)
		}
		p.line(0, "Default backend:\t%s", def)
		if len(ing.Spec.TLS) > 0 {
			p.line(0, "TLS:")
			for _, t := range ing.Spec.TLS {
				if t.SecretName == "" {
					p.line(1, "SNI routes %s", strings.Join(t.Hosts, ","))
				} else {
					p.line(1, "%s terminates %s", t.SecretName, strings.Join(t.Hosts, ","))
				}
			}
		}
		p.line(0, "Rules:")
		p.line(1, "Host\tPath\tBackends")
		p.line(1, "----\t----\t--------")
		n := 0
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			n++
			p.line(1, "%s\t", orDefault(r.Host, "*"))
			for _, path := range r.HTTP.Paths {
				p.line(2, "\t%s \t%s", path.Path, d.backend(ing.Namespace, &path.Backend))
			}
		}
		if n == 0 {
			p.line(1, "*\t*\t%s", def)
		}
		p.multi(0, "Annotations", withoutLastApplied(ing.Annotations), ": ")
		p.line(0, "Events:\t<none>")
	})
}

func networkPolicy(np *networkingv1.NetworkPolicy) string {
	return render(func(p pw) {
		p.line(0, "Name:\t%s", np.Name)
		p.line(0, "Namespace:\t%s", np.Namespace)
		p.line(0, "Created on:\t%s", np.CreationTimestamp.Time.UTC().Format("2006-01-02 15:04:05 -0700 MST"))
		p.multi(0, "Labels", np.Labels, "=")
		p.multi(0, "Annotations", withoutLastApplied(np.Annotations), ": ")
		// The spec is written without the tab writer's alignment, as
		// kubectl writes it.
		var b strings.Builder
		spec := np.Spec
		b.WriteString("Spec:\n  PodSelector:     ")
		if len(spec.PodSelector.MatchLabels) == 0 && len(spec.PodSelector.MatchExpressions) == 0 {
			b.WriteString("<none> (Allowing the specific traffic to all pods in this namespace)\n")
		} else {
			b.WriteString(metav1.FormatLabelSelector(&spec.PodSelector) + "\n")
		}
		ingress, egress := false, false
		var types []string
		for _, t := range spec.PolicyTypes {
			ingress = ingress || t == networkingv1.PolicyTypeIngress
			egress = egress || t == networkingv1.PolicyTypeEgress
			types = append(types, string(t))
		}
		if ingress {
			b.WriteString("  Allowing ingress traffic:\n")
			var rules []npRule
			for _, r := range spec.Ingress {
				rules = append(rules, npRule{r.Ports, r.From})
			}
			writeRules(&b, rules, "From", "ingress", "source")
		} else {
			b.WriteString("  Not affecting ingress traffic\n")
		}
		if egress {
			b.WriteString("  Allowing egress traffic:\n")
			var rules []npRule
			for _, r := range spec.Egress {
				rules = append(rules, npRule{r.Ports, r.To})
			}
			writeRules(&b, rules, "To", "egress", "destination")
		} else {
			b.WriteString("  Not affecting egress traffic\n")
		}
		fmt.Fprintf(&b, "  Policy Types: %s\n", strings.Join(types, ", "))
		p.tw.Flush()
		io.WriteString(p.tw, b.String())
	})
}

type npRule struct {
	ports []networkingv1.NetworkPolicyPort
	peers []networkingv1.NetworkPolicyPeer
}

func writeRules(b *strings.Builder, rules []npRule, dir, traffic, what string) {
	const ind = "    "
	if len(rules) == 0 {
		fmt.Fprintf(b, "%s<none> (Selected pods are isolated for %s connectivity)\n", ind, traffic)
		return
	}
	for i, r := range rules {
		if len(r.ports) == 0 {
			fmt.Fprintf(b, "%sTo Port: <any> (traffic allowed to all ports)\n", ind)
		}
		for _, port := range r.ports {
			proto := corev1.ProtocolTCP
			if port.Protocol != nil {
				proto = *port.Protocol
			}
			ps := "<any>"
			if port.Port != nil {
				ps = port.Port.String()
			}
			if port.EndPort == nil {
				fmt.Fprintf(b, "%sTo Port: %s/%s\n", ind, ps, proto)
			} else {
				fmt.Fprintf(b, "%sTo Port Range: %s-%d/%s\n", ind, ps, *port.EndPort, proto)
			}
		}
		if len(r.peers) == 0 {
			fmt.Fprintf(b, "%s%s: <any> (traffic not restricted by %s)\n", ind, dir, what)
		}
		for _, peer := range r.peers {
			fmt.Fprintf(b, "%s%s:\n", ind, dir)
			if peer.NamespaceSelector != nil {
				fmt.Fprintf(b, "%s  NamespaceSelector: %s\n", ind, metav1.FormatLabelSelector(peer.NamespaceSelector))
			}
			if peer.PodSelector != nil {
				fmt.Fprintf(b, "%s  PodSelector: %s\n", ind, metav1.FormatLabelSelector(peer.PodSelector))
			}
			if peer.IPBlock != nil && peer.PodSelector == nil && peer.NamespaceSelector == nil {
				fmt.Fprintf(b, "%s  IPBlock:\n", ind)
				fmt.Fprintf(b, "%s    CIDR: %s\n", ind, peer.IPBlock.CIDR)
				fmt.Fprintf(b, "%s    Except: %s\n", ind, strings.Join(peer.IPBlock.Except, ", "))
			}
		}
		if i != len(rules)-1 {
			fmt.Fprintf(b, "%s----------\n", ind)
		}
	}
}

func (d *describer) pod(pod *corev1.Pod) string {
	return render(func(p pw) {
		p.line(0, "Name:\t%s", pod.Name)
		p.line(0, "Namespace:\t%s", pod.Namespace)
		p.line(0, "Priority:\t0")
		p.line(0, "Service Account:\t%s", orDefault(pod.Spec.ServiceAccountName, "default"))
		node := pod.Spec.NodeName
		if node != "" && pod.Status.HostIP != "" {
			node += "/" + pod.Status.HostIP
		}
		p.line(0, "Node:\t%s", orNone(node))
		if pod.Status.StartTime != nil {
			p.line(0, "Start Time:\t%s", timestamp(*pod.Status.StartTime))
		}
		p.multi(0, "Labels", pod.Labels, "=")
		p.multi(0, "Annotations", withoutLastApplied(pod.Annotations), ": ")
		p.line(0, "Status:\t%s", podStatus(pod))
		p.line(0, "IP:\t%s", pod.Status.PodIP)
		p.line(0, "IPs:")
		if len(pod.Status.PodIPs) == 0 {
			p.line(1, "<none>")
		}
		for _, ip := range pod.Status.PodIPs {
			p.line(1, "IP:\t%s", ip.IP)
		}
		if ref := metav1.GetControllerOf(pod); ref != nil {
			p.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
		}
		p.line(0, "Containers:")
		status := map[string]corev1.ContainerStatus{}
		for _, cs := range pod.Status.ContainerStatuses {
			status[cs.Name] = cs
		}
		for _, c := range pod.Spec.Containers {
			container(p, c, status[c.Name], true)
		}
		p.line(0, "Conditions:")
		p.line(1, "Type\tStatus")
		for _, c := range pod.Status.Conditions {
			p.line(1, "%s \t%s ", c.Type, c.Status)
		}
		p.line(0, "QoS Class:\t%s", pod.Status.QOSClass)
		p.multi(0, "Node-Selectors", pod.Spec.NodeSelector, "=")
		podEvents(p, pod)
	})
}

// container prints one container as describe pod (withStatus) or the pod
// template of describe deployment shows it.
func container(p pw, c corev1.Container, cs corev1.ContainerStatus, withStatus bool) {
	lvl := 1
	p.line(lvl, "%s:", c.Name)
	p.line(lvl+1, "Image:\t%s", c.Image)
	var ports []string
	for _, cp := range c.Ports {
		s := fmt.Sprintf("%d/%s", cp.ContainerPort, cp.Protocol)
		if cp.Name != "" {
			s += " (" + cp.Name + ")"
		}
		ports = append(ports, s)
	}
	if len(ports) == 0 {
		p.line(lvl+1, "Port:\t<none>")
	} else if len(ports) == 1 {
		p.line(lvl+1, "Port:\t%s", ports[0])
	} else {
		p.line(lvl+1, "Ports:\t%s", strings.Join(ports, ", "))
	}
	if len(c.Command) > 0 {
		p.line(lvl+1, "Command:")
		for _, s := range c.Command {
			p.line(lvl+2, "%s", s)
		}
	}
	if len(c.Args) > 0 {
		p.line(lvl+1, "Args:")
		for _, s := range c.Args {
			p.line(lvl+2, "%s", s)
		}
	}
	if withStatus {
		switch {
		case cs.State.Running != nil:
			p.line(lvl+1, "State:\tRunning")
			p.line(lvl+2, "Started:\t%s", timestamp(cs.State.Running.StartedAt))
		case cs.State.Waiting != nil:
			p.line(lvl+1, "State:\tWaiting")
			p.line(lvl+2, "Reason:\t%s", cs.State.Waiting.Reason)
		default:
			p.line(lvl+1, "State:\tWaiting")
		}
		p.line(lvl+1, "Ready:\t%s", titleBool(cs.Ready))
		p.line(lvl+1, "Restart Count:\t%d", cs.RestartCount)
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
	}{{"Liveness", c.LivenessProbe}, {"Readiness", c.ReadinessProbe}, {"Startup", c.StartupProbe}} {
		if pr.probe != nil {
			p.line(lvl+1, "%s:\t%s", pr.name, describeProbe(pr.probe))
		}
	}
	if len(c.Env) == 0 {
		p.line(lvl+1, "Environment:\t<none>")
	} else {
		p.line(lvl+1, "Environment:")
		for _, e := range c.Env {
			v := e.Value
			if e.ValueFrom != nil {
				v = "<set from a reference>"
			}
			p.line(lvl+2, "%s:\t%s", e.Name, v)
		}
	}
	p.line(lvl+1, "Mounts:\t<none>")
}

func (d *describer) ownedReplicaSets(dep *appsv1.Deployment) []*appsv1.ReplicaSet {
	objs, _ := d.c.List("ReplicaSet", dep.Namespace)
	var out []*appsv1.ReplicaSet
	for _, o := range objs {
		rs := o.(*appsv1.ReplicaSet)
		if ref := metav1.GetControllerOf(rs); ref != nil && ref.UID == dep.UID {
			out = append(out, rs)
		}
	}
	return out
}

func (d *describer) deployment(dep *appsv1.Deployment) string {
	return render(func(p pw) {
		p.line(0, "Name:\t%s", dep.Name)
		p.line(0, "Namespace:\t%s", dep.Namespace)
		p.line(0, "CreationTimestamp:\t%s", timestamp(dep.CreationTimestamp))
		p.multi(0, "Labels", dep.Labels, "=")
		p.multi(0, "Annotations", withoutLastApplied(dep.Annotations), ": ")
		p.line(0, "Selector:\t%s", selectorText(dep.Spec.Selector))
		st := dep.Status
		p.line(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable",
			replicas(dep.Spec.Replicas), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas)
		p.line(0, "StrategyType:\t%s", dep.Spec.Strategy.Type)
		p.line(0, "MinReadySeconds:\t%d", dep.Spec.MinReadySeconds)
		if ru := dep.Spec.Strategy.RollingUpdate; ru != nil {
			p.line(0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge", intOrString(ru.MaxUnavailable), intOrString(ru.MaxSurge))
		}
		podTemplate(p, &dep.Spec.Template)
		if len(st.Conditions) > 0 {
			p.line(0, "Conditions:")
			p.line(1, "Type\tStatus\tReason")
			p.line(1, "----\t------\t------")
			for _, c := range st.Conditions {
				p.line(1, "%s \t%s\t%s", c.Type, c.Status, c.Reason)
			}
		}
		var rs []string
		for _, r := range d.ownedReplicaSets(dep) {
			rs = append(rs, fmt.Sprintf("%s (%d/%d replicas created)", r.Name, r.Status.Replicas, replicas(r.Spec.Replicas)))
		}
		p.line(0, "OldReplicaSets:\t<none>")
		p.line(0, "NewReplicaSet:\t%s", orNone(strings.Join(rs, ", ")))
		p.line(0, "Events:\t<none>")
	})
}

func intOrString(v *intstr.IntOrString) string {
	if v == nil {
		return "<nil>"
	}
	return v.String()
}

func podTemplate(p pw, t *corev1.PodTemplateSpec) {
	p.line(0, "Pod Template:")
	p.multi(1, "Labels", t.Labels, "=")
	if len(t.Annotations) > 0 {
		p.multi(1, "Annotations", t.Annotations, ": ")
	}
	p.line(1, "Containers:")
	for _, c := range t.Spec.Containers {
		container(pw{p.tw}, c, corev1.ContainerStatus{}, false)
	}
	p.line(1, "Volumes:\t<none>")
	p.multi(1, "Node-Selectors", t.Spec.NodeSelector, "=")
	p.line(1, "Tolerations:\t<none>")
}

func (d *describer) replicaSet(rs *appsv1.ReplicaSet) string {
	return render(func(p pw) {
		p.line(0, "Name:\t%s", rs.Name)
		p.line(0, "Namespace:\t%s", rs.Namespace)
		p.line(0, "Selector:\t%s", selectorText(rs.Spec.Selector))
		p.multi(0, "Labels", rs.Labels, "=")
		p.multi(0, "Annotations", withoutLastApplied(rs.Annotations), ": ")
		if ref := metav1.GetControllerOf(rs); ref != nil {
			p.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
		}
		p.line(0, "Replicas:\t%d current / %d desired", rs.Status.Replicas, replicas(rs.Spec.Replicas))
		p.line(0, "Pods Status:\t%d Running / 0 Waiting / 0 Succeeded / 0 Failed", rs.Status.ReadyReplicas)
		podTemplate(p, &rs.Spec.Template)
		p.line(0, "Events:\t<none>")
	})
}

//lint:ignore SA1019 kubectl still lists and describes v1 Endpoints, as hints ask learners to
func endpoints(e *corev1.Endpoints) string {
	return render(func(p pw) {
		p.meta(e, true)
		p.line(0, "Subsets:")
		for _, ss := range e.Subsets {
			var ready, notReady []string
			for _, a := range ss.Addresses {
				ready = append(ready, a.IP)
			}
			for _, a := range ss.NotReadyAddresses {
				notReady = append(notReady, a.IP)
			}
			p.line(1, "Addresses:\t%s", orNone(strings.Join(ready, ",")))
			p.line(1, "NotReadyAddresses:\t%s", orNone(strings.Join(notReady, ",")))
			if len(ss.Ports) > 0 {
				p.line(1, "Ports:")
				p.line(2, "Name\tPort\tProtocol")
				p.line(2, "----\t----\t--------")
				for _, port := range ss.Ports {
					p.line(2, "%s\t%d\t%s", orDefault(port.Name, "<unset>"), port.Port, port.Protocol)
				}
			}
			p.line(0, "")
		}
		p.line(0, "Events:\t<none>")
	})
}

func endpointSlice(e *discoveryv1.EndpointSlice) string {
	return render(func(p pw) {
		p.meta(e, true)
		p.line(0, "AddressType:\t%s", e.AddressType)
		p.line(0, "Ports:")
		p.line(1, "Name\tPort\tProtocol")
		p.line(1, "----\t----\t--------")
		if len(e.Ports) == 0 {
			p.line(1, "<unset>\t<unset>\t<unset>")
		}
		for _, port := range e.Ports {
			name, num, proto := "<unset>", "<unset>", "<unset>"
			if port.Name != nil && *port.Name != "" {
				name = *port.Name
			}
			if port.Port != nil {
				num = fmt.Sprint(*port.Port)
			}
			if port.Protocol != nil {
				proto = string(*port.Protocol)
			}
			p.line(1, "%s\t%s\t%s", name, num, proto)
		}
		p.line(0, "Endpoints:")
		if len(e.Endpoints) == 0 {
			p.line(1, "<none>")
		}
		for _, ep := range e.Endpoints {
			p.line(1, "- Addresses:\t%s", strings.Join(ep.Addresses, ","))
			p.line(2, "Conditions:")
			p.line(3, "Ready:\t%s", boolPtr(ep.Conditions.Ready))
			if ep.Hostname != nil {
				p.line(2, "Hostname:\t%s", *ep.Hostname)
			}
			if ep.TargetRef != nil {
				p.line(2, "TargetRef:\t%s/%s", ep.TargetRef.Kind, ep.TargetRef.Name)
			}
			if ep.NodeName != nil {
				p.line(2, "NodeName:\t%s", *ep.NodeName)
			}
			p.line(2, "Zone:\t%s", orNone(derefStr(ep.Zone)))
		}
		p.line(0, "Events:\t<none>")
	})
}

func boolPtr(b *bool) string {
	if b == nil {
		return "<unset>"
	}
	return fmt.Sprint(*b)
}

func titleBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// describeProbe is a probe as kubectl describe shows it.
func describeProbe(pr *corev1.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds successThreshold=%d failureThreshold=%d",
		pr.InitialDelaySeconds, pr.TimeoutSeconds, pr.PeriodSeconds, pr.SuccessThreshold, pr.FailureThreshold)
	switch {
	case pr.Exec != nil:
		return fmt.Sprintf("exec %v %s", pr.Exec.Command, attrs)
	case pr.HTTPGet != nil:
		u := &url.URL{Scheme: strings.ToLower(string(pr.HTTPGet.Scheme)), Host: pr.HTTPGet.Host, Path: pr.HTTPGet.Path}
		if port := pr.HTTPGet.Port.String(); port != "" {
			u.Host = net.JoinHostPort(pr.HTTPGet.Host, port)
		}
		return fmt.Sprintf("http-get %s %s", u.String(), attrs)
	case pr.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", pr.TCPSocket.Host, pr.TCPSocket.Port.String(), attrs)
	case pr.GRPC != nil:
		service := ""
		if pr.GRPC.Service != nil {
			service = *pr.GRPC.Service
		}
		return fmt.Sprintf("grpc <pod>:%d %s %s", pr.GRPC.Port, service, attrs)
	}
	return "unknown " + attrs
}

// podEvents are the kubelet's events the offline cluster can tell: a
// running pod's failing readiness probes (netmodel decides them), and a
// note for a probe it counted as passing without running it.
func podEvents(p pw, pod *corev1.Pod) {
	type event struct{ typ, reason, from, msg string }
	var evs []event
	if pod.Status.Phase == corev1.PodRunning {
		r := netmodel.PodReadiness(pod, pod.Status.PodIP)
		for _, e := range r.Events() {
			evs = append(evs, event{"Warning", "Unhealthy", "kubelet", e})
		}
		for _, u := range r.Unknown() {
			evs = append(evs, event{"Normal", netmodel.ReadinessAssumed, "ckadlab", u + ": counted as ready offline"})
		}
	}
	if len(evs) == 0 {
		p.line(0, "Events:\t<none>")
		return
	}
	p.line(0, "Events:")
	p.line(1, "Type\tReason\tAge\tFrom\tMessage")
	p.line(1, "----\t------\t----\t----\t-------")
	for _, e := range evs {
		p.line(1, "%s\t%s\t<unknown>\t%s\t%s", e.typ, e.reason, e.from, e.msg)
	}
}
