package inspect

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ckadlab/ckadlab/manifest"
)

type tableOptions struct {
	wide, allNS, showLabels, prefix bool
	now                             time.Time
}

// printTable prints one kind's objects as kubectl's table for that kind.
func printTable(w io.Writer, k manifest.KindInfo, objs []runtime.Object, o tableOptions) {
	head, _ := columns(k.Kind, nil, o)
	rows := [][]string{}
	if o.allNS && k.Namespaced {
		head = append([]string{"NAMESPACE"}, head...)
	}
	if o.showLabels {
		head = append(head, "LABELS")
	}
	rows = append(rows, head)
	for _, obj := range objs {
		m := metaOf(obj)
		_, cells := columns(k.Kind, obj, o)
		name := m.GetName()
		if o.prefix {
			name = qualified(k) + "/" + name
		}
		row := append([]string{name}, cells...)
		if o.allNS && k.Namespaced {
			row = append([]string{m.GetNamespace()}, row...)
		}
		if o.showLabels {
			row = append(row, labelsText(m.GetLabels()))
		}
		rows = append(rows, row)
	}
	io.WriteString(w, tableString(rows))
}

// columns returns a kind's column headers (NAME first) and, for obj, its
// cells after the name. With obj nil only the headers are meaningful.
func columns(kind string, obj runtime.Object, o tableOptions) ([]string, []string) {
	var head, cells []string
	add := func(h string, v func() string) {
		head = append(head, h)
		if obj != nil {
			cells = append(cells, v())
		}
	}
	ageCol := func() { add("AGE", func() string { return age(metaOf(obj), o.now) }) }
	switch kind {
	case "Pod":
		p, _ := obj.(*corev1.Pod)
		add("READY", func() string { return podReady(p) })
		add("STATUS", func() string { return podStatus(p) })
		add("RESTARTS", func() string { return podRestarts(p) })
		ageCol()
		if o.wide {
			add("IP", func() string { return orNone(p.Status.PodIP) })
			add("NODE", func() string { return orNone(p.Spec.NodeName) })
			add("NOMINATED NODE", func() string { return orNone(p.Status.NominatedNodeName) })
			add("READINESS GATES", func() string { return "<none>" })
		}
	case "Deployment":
		d, _ := obj.(*appsv1.Deployment)
		add("READY", func() string { return fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)) })
		add("UP-TO-DATE", func() string { return strconv.Itoa(int(d.Status.UpdatedReplicas)) })
		add("AVAILABLE", func() string { return strconv.Itoa(int(d.Status.AvailableReplicas)) })
		ageCol()
		if o.wide {
			workloadWide(add, func() *corev1.PodSpec { return &d.Spec.Template.Spec }, func() *metav1.LabelSelector { return d.Spec.Selector })
		}
	case "ReplicaSet":
		rs, _ := obj.(*appsv1.ReplicaSet)
		add("DESIRED", func() string { return strconv.Itoa(int(replicas(rs.Spec.Replicas))) })
		add("CURRENT", func() string { return strconv.Itoa(int(rs.Status.Replicas)) })
		add("READY", func() string { return strconv.Itoa(int(rs.Status.ReadyReplicas)) })
		ageCol()
		if o.wide {
			workloadWide(add, func() *corev1.PodSpec { return &rs.Spec.Template.Spec }, func() *metav1.LabelSelector { return rs.Spec.Selector })
		}
	case "StatefulSet":
		s, _ := obj.(*appsv1.StatefulSet)
		add("READY", func() string { return fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas)) })
		ageCol()
		if o.wide {
			add("CONTAINERS", func() string { return containerNames(&s.Spec.Template.Spec) })
			add("IMAGES", func() string { return containerImages(&s.Spec.Template.Spec) })
		}
	case "DaemonSet":
		d, _ := obj.(*appsv1.DaemonSet)
		add("DESIRED", func() string { return strconv.Itoa(int(d.Status.DesiredNumberScheduled)) })
		add("CURRENT", func() string { return strconv.Itoa(int(d.Status.CurrentNumberScheduled)) })
		add("READY", func() string { return strconv.Itoa(int(d.Status.NumberReady)) })
		add("UP-TO-DATE", func() string { return strconv.Itoa(int(d.Status.UpdatedNumberScheduled)) })
		add("AVAILABLE", func() string { return strconv.Itoa(int(d.Status.NumberAvailable)) })
		add("NODE SELECTOR", func() string { return labelsText(d.Spec.Template.Spec.NodeSelector) })
		ageCol()
		if o.wide {
			workloadWide(add, func() *corev1.PodSpec { return &d.Spec.Template.Spec }, func() *metav1.LabelSelector { return d.Spec.Selector })
		}
	case "Service":
		s, _ := obj.(*corev1.Service)
		add("TYPE", func() string { return string(s.Spec.Type) })
		add("CLUSTER-IP", func() string { return orNone(s.Spec.ClusterIP) })
		add("EXTERNAL-IP", func() string { return serviceExternalIP(s) })
		add("PORT(S)", func() string { return servicePorts(s) })
		ageCol()
		if o.wide {
			add("SELECTOR", func() string { return labelsText(s.Spec.Selector) })
		}
	case "Endpoints":
		//lint:ignore SA1019 kubectl still lists and describes v1 Endpoints, as hints ask learners to
		e, _ := obj.(*corev1.Endpoints)
		add("ENDPOINTS", func() string { return endpointsText(e) })
		ageCol()
	case "EndpointSlice":
		e, _ := obj.(*discoveryv1.EndpointSlice)
		add("ADDRESSTYPE", func() string { return string(e.AddressType) })
		add("PORTS", func() string { return slicePorts(e) })
		add("ENDPOINTS", func() string { return sliceAddresses(e) })
		ageCol()
	case "Ingress":
		ing, _ := obj.(*networkingv1.Ingress)
		add("CLASS", func() string {
			if ing.Spec.IngressClassName == nil {
				return "<none>"
			}
			return *ing.Spec.IngressClassName
		})
		add("HOSTS", func() string { return ingressHosts(ing) })
		add("ADDRESS", func() string { return ingressAddress(ing.Status.LoadBalancer.Ingress) })
		add("PORTS", func() string {
			if len(ing.Spec.TLS) > 0 {
				return "80, 443"
			}
			return "80"
		})
		ageCol()
	case "IngressClass":
		ic, _ := obj.(*networkingv1.IngressClass)
		add("CONTROLLER", func() string { return ic.Spec.Controller })
		add("PARAMETERS", func() string {
			if ic.Spec.Parameters == nil {
				return "<none>"
			}
			return ic.Spec.Parameters.Kind + "/" + ic.Spec.Parameters.Name
		})
		ageCol()
	case "NetworkPolicy":
		np, _ := obj.(*networkingv1.NetworkPolicy)
		add("POD-SELECTOR", func() string { return selectorText(&np.Spec.PodSelector) })
		ageCol()
	case "Namespace":
		n, _ := obj.(*corev1.Namespace)
		add("STATUS", func() string { return orDefault(string(n.Status.Phase), "Active") })
		ageCol()
	case "ConfigMap":
		cm, _ := obj.(*corev1.ConfigMap)
		add("DATA", func() string { return strconv.Itoa(len(cm.Data) + len(cm.BinaryData)) })
		ageCol()
	case "Secret":
		s, _ := obj.(*corev1.Secret)
		add("TYPE", func() string { return orDefault(string(s.Type), string(corev1.SecretTypeOpaque)) })
		add("DATA", func() string { return strconv.Itoa(len(s.Data) + len(s.StringData)) })
		ageCol()
	case "ServiceAccount":
		sa, _ := obj.(*corev1.ServiceAccount)
		add("SECRETS", func() string { return strconv.Itoa(len(sa.Secrets)) })
		ageCol()
	case "Node":
		n, _ := obj.(*corev1.Node)
		add("STATUS", func() string { return "Ready" })
		add("ROLES", func() string { return nodeRoles(n) })
		ageCol()
		add("VERSION", func() string { return n.Status.NodeInfo.KubeletVersion })
		if o.wide {
			add("INTERNAL-IP", func() string { return nodeAddress(n, corev1.NodeInternalIP) })
			add("EXTERNAL-IP", func() string { return nodeAddress(n, corev1.NodeExternalIP) })
			add("OS-IMAGE", func() string { return n.Status.NodeInfo.OSImage })
			add("KERNEL-VERSION", func() string { return n.Status.NodeInfo.KernelVersion })
			add("CONTAINER-RUNTIME", func() string { return n.Status.NodeInfo.ContainerRuntimeVersion })
		}
	default:
		ageCol()
	}
	return append([]string{"NAME"}, head...), cells
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func workloadWide(add func(string, func() string), spec func() *corev1.PodSpec, sel func() *metav1.LabelSelector) {
	add("CONTAINERS", func() string { return containerNames(spec()) })
	add("IMAGES", func() string { return containerImages(spec()) })
	add("SELECTOR", func() string { return selectorText(sel()) })
}

func containerNames(s *corev1.PodSpec) string {
	var n []string
	for _, c := range s.Containers {
		n = append(n, c.Name)
	}
	return strings.Join(n, ",")
}

func containerImages(s *corev1.PodSpec) string {
	var n []string
	for _, c := range s.Containers {
		n = append(n, c.Image)
	}
	return strings.Join(n, ",")
}

// selectorText is kubectl's rendering of a label selector ("<none>" when
// it selects everything).
func selectorText(s *metav1.LabelSelector) string {
	if s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		return "<none>"
	}
	return metav1.FormatLabelSelector(s)
}

func podReady(p *corev1.Pod) string {
	ready := 0
	for _, c := range p.Status.ContainerStatuses {
		if c.Ready {
			ready++
		}
	}
	return fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers))
}

func podStatus(p *corev1.Pod) string {
	if p.Status.Reason != "" {
		return p.Status.Reason
	}
	if p.Status.Phase == "" {
		return "Pending"
	}
	return string(p.Status.Phase)
}

func podRestarts(p *corev1.Pod) string {
	n := int32(0)
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return strconv.Itoa(int(n))
}

func serviceExternalIP(s *corev1.Service) string {
	switch s.Spec.Type {
	case corev1.ServiceTypeExternalName:
		return s.Spec.ExternalName
	case corev1.ServiceTypeLoadBalancer:
		ips := lbAddresses(s.Status.LoadBalancer.Ingress)
		ips = append(ips, s.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	if len(s.Spec.ExternalIPs) > 0 {
		return strings.Join(s.Spec.ExternalIPs, ",")
	}
	return "<none>"
}

func lbAddresses(in []corev1.LoadBalancerIngress) []string {
	var out []string
	for _, i := range in {
		if i.IP != "" {
			out = append(out, i.IP)
		} else if i.Hostname != "" {
			out = append(out, i.Hostname)
		}
	}
	return out
}

func ingressAddress(in []networkingv1.IngressLoadBalancerIngress) string {
	var out []string
	for _, i := range in {
		if i.IP != "" {
			out = append(out, i.IP)
		} else if i.Hostname != "" {
			out = append(out, i.Hostname)
		}
	}
	return strings.Join(out, ",")
}

func servicePorts(s *corev1.Service) string {
	if len(s.Spec.Ports) == 0 {
		return "<none>"
	}
	var out []string
	for _, p := range s.Spec.Ports {
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol))
		} else {
			out = append(out, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
		}
	}
	return strings.Join(out, ",")
}

// firstThree joins up to three items, then says how many more there are,
// as kubectl does for endpoints.
func firstThree(items []string) string {
	if len(items) == 0 {
		return "<none>"
	}
	if len(items) <= 3 {
		return strings.Join(items, ",")
	}
	return strings.Join(items[:3], ",") + fmt.Sprintf(" + %d more...", len(items)-3)
}

//lint:ignore SA1019 kubectl still lists and describes v1 Endpoints, as hints ask learners to
func endpointsText(e *corev1.Endpoints) string {
	var items []string
	for _, ss := range e.Subsets {
		for _, a := range ss.Addresses {
			if len(ss.Ports) == 0 {
				items = append(items, a.IP)
			}
			for _, p := range ss.Ports {
				items = append(items, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
	}
	return firstThree(items)
}

func slicePorts(e *discoveryv1.EndpointSlice) string {
	if len(e.Ports) == 0 {
		return "<unset>"
	}
	var out []string
	for _, p := range e.Ports {
		if p.Port == nil {
			out = append(out, "<unset>")
		} else {
			out = append(out, strconv.Itoa(int(*p.Port)))
		}
	}
	return strings.Join(out, ",")
}

func sliceAddresses(e *discoveryv1.EndpointSlice) string {
	var items []string
	for _, ep := range e.Endpoints {
		items = append(items, ep.Addresses...)
	}
	return firstThree(items)
}

func ingressHosts(ing *networkingv1.Ingress) string {
	var hosts []string
	seen := map[string]bool{}
	for _, r := range ing.Spec.Rules {
		if r.Host != "" && !seen[r.Host] {
			seen[r.Host] = true
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		return "*"
	}
	if len(hosts) > 4 {
		return strings.Join(hosts[:4], ",") + fmt.Sprintf(" + %d more...", len(hosts)-4)
	}
	return strings.Join(hosts, ",")
}

func nodeRoles(n *corev1.Node) string {
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return "<none>"
	}
	return strings.Join(roles, ",")
}

func nodeAddress(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}
