package offline

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ckadlab/ckadlab/netmodel"
)

// view is what the cluster shows after the controllers ran over the stored
// objects: every object (stored and derived) with its status, and the
// network model's snapshot. It is never modified once built.
type view struct {
	all  map[key]runtime.Object
	objs netmodel.Objects
}

// podItem is a pod being built, with what decides its IP order.
type podItem struct {
	pod    *corev1.Pod
	seq    int // the owner's creation order
	index  int // position among the owner's pods
	pinned bool
}

// rebuild runs the controllers: it derives ReplicaSets, pods, pod IPs and
// status, default ServiceAccounts, EndpointSlices and Endpoints, load
// balancer and Ingress status from the stored objects. Called with c.mu
// held for writing.
func (c *Cluster) rebuild() {
	v := &view{all: map[key]runtime.Object{}}
	nd := node()
	v.all[key{"Node", "", nd.Name}] = nd

	recs := make([]*record, 0, len(c.objs))
	keys := make(map[*record]key, len(c.objs))
	for k, r := range c.objs {
		recs = append(recs, r)
		keys[r] = k
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
	for _, r := range recs {
		v.all[keys[r]] = r.obj.DeepCopyObject()
	}

	// Every namespace gets a default ServiceAccount.
	for _, r := range recs {
		ns, ok := r.obj.(*corev1.Namespace)
		if !ok {
			continue
		}
		k := key{"ServiceAccount", ns.Name, "default"}
		if _, exists := v.all[k]; !exists {
			v.all[k] = &corev1.ServiceAccount{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
				ObjectMeta: derivedMeta("ServiceAccount", ns.Name, "default", r.seq),
			}
		}
	}

	// Workload controllers.
	var items []podItem
	for _, r := range recs {
		switch o := v.all[keys[r]].(type) {
		case *appsv1.Deployment:
			rs := deploymentReplicaSet(o, r.seq)
			k := key{"ReplicaSet", rs.Namespace, rs.Name}
			if _, taken := v.all[k]; taken {
				continue
			}
			v.all[k] = rs
			items = append(items, replicaSetPods(rs, r.seq)...)
		case *appsv1.ReplicaSet:
			items = append(items, replicaSetPods(o, r.seq)...)
		case *appsv1.StatefulSet:
			items = append(items, statefulSetPods(o, r.seq)...)
		case *appsv1.DaemonSet:
			if p := daemonSetPod(o, nd, r.seq); p != nil {
				items = append(items, podItem{pod: p, seq: r.seq})
			}
		case *corev1.Pod:
			items = append(items, podItem{pod: o, seq: r.seq, pinned: o.Status.PodIP != ""})
		}
	}
	// Derived pods never shadow stored ones.
	kept := items[:0]
	for _, it := range items {
		k := key{"Pod", it.pod.Namespace, it.pod.Name}
		if cur, exists := v.all[k]; exists && cur != runtime.Object(it.pod) {
			continue
		}
		v.all[k] = it.pod
		kept = append(kept, it)
	}
	items = kept
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].seq != items[j].seq {
			return items[i].seq < items[j].seq
		}
		return items[i].index < items[j].index
	})
	c.runPods(items, nd)

	// StatefulSets with OrderedReady create pod N+1 only once pod N is
	// ready.
	for _, r := range recs {
		sts, ok := v.all[keys[r]].(*appsv1.StatefulSet)
		if !ok || sts.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement {
			continue
		}
		blocked := false
		for i := 0; i < materialized(*sts.Spec.Replicas); i++ {
			k := key{"Pod", sts.Namespace, fmt.Sprintf("%s-%d", sts.Name, i)}
			p, ok := v.all[k].(*corev1.Pod)
			if !ok || !isOwnedBy(p, sts.UID) {
				continue
			}
			if blocked {
				delete(v.all, k)
				continue
			}
			if !netmodel.PodReady(p) {
				blocked = true
			}
		}
	}

	workloadStatus(v, recs, keys, nd)
	serviceControllers(v, recs, keys)

	// Ingress status: Traefik publishes its Service's address on the
	// Ingresses of its classes.
	class := func(name string) *networkingv1.IngressClass {
		ic, _ := v.all[key{"IngressClass", "", name}].(*networkingv1.IngressClass)
		return ic
	}
	for _, r := range recs {
		ing, ok := v.all[keys[r]].(*networkingv1.Ingress)
		if ok && IngressClassServed(ing, class) {
			ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: NodeIP}}
		}
	}

	v.objs = snapshot(v.all)
	c.view = v
}

func derivedMeta(kind, ns, name string, seq int) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:              name,
		Namespace:         ns,
		UID:               uid(kind, ns, name, seq),
		CreationTimestamp: metav1.NewTime(epoch.Add(secondsOf(seq))),
		ResourceVersion:   "1",
	}
}

func ownerRef(kind, apiVersion string, m metav1.ObjectMeta) metav1.OwnerReference {
	t := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: m.Name, UID: m.UID, Controller: &t, BlockOwnerDeletion: &t}
}

func isOwnedBy(p *corev1.Pod, owner types.UID) bool {
	for _, o := range p.OwnerReferences {
		if o.UID == owner {
			return true
		}
	}
	return false
}

// deploymentReplicaSet is the ReplicaSet the Deployment controller keeps
// for a Deployment's current template: named after the template's hash.
func deploymentReplicaSet(d *appsv1.Deployment, seq int) *appsv1.ReplicaSet {
	h := templateHash(d.Spec.Template)
	name := d.Name + "-" + h
	rs := &appsv1.ReplicaSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: derivedMeta("ReplicaSet", d.Namespace, name, seq),
	}
	rs.Labels = copyLabels(d.Spec.Template.Labels)
	if rs.Labels == nil {
		rs.Labels = map[string]string{}
	}
	rs.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = h
	rs.Annotations = map[string]string{
		"deployment.kubernetes.io/desired-replicas": strconv.Itoa(int(*d.Spec.Replicas)),
		"deployment.kubernetes.io/max-replicas":     strconv.Itoa(int(*d.Spec.Replicas) + surge(d)),
		"deployment.kubernetes.io/revision":         "1",
	}
	rs.OwnerReferences = []metav1.OwnerReference{ownerRef("Deployment", "apps/v1", d.ObjectMeta)}
	rs.Generation = 1
	replicas := *d.Spec.Replicas
	rs.Spec.Replicas = &replicas
	rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = h
	rs.Spec.Selector = sel
	rs.Spec.Template = *d.Spec.Template.DeepCopy()
	if rs.Spec.Template.Labels == nil {
		rs.Spec.Template.Labels = map[string]string{}
	}
	rs.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = h
	return rs
}

func surge(d *appsv1.Deployment) int {
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxSurge == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, int(*d.Spec.Replicas), true)
	if err != nil {
		return 0
	}
	return n
}

// podFromTemplate makes a pod as a controller would.
func podFromTemplate(t *corev1.PodTemplateSpec, ns, name string, owner metav1.OwnerReference, seq int) *corev1.Pod {
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: derivedMeta("Pod", ns, name, seq),
		Spec:       *t.Spec.DeepCopy(),
	}
	p.UID = uid("Pod", ns, name, seq)
	p.Labels = copyLabels(t.Labels)
	if len(t.Annotations) > 0 {
		p.Annotations = copyLabels(t.Annotations)
	}
	p.OwnerReferences = []metav1.OwnerReference{owner}
	if p.Spec.ServiceAccountName == "" {
		p.Spec.ServiceAccountName = "default"
	}
	return p
}

// maxPodsPerWorkload bounds the pods one workload controller creates: the
// node runs at most maxPodsPerNode anyway, and a typo such as replicas:
// 30000000 must not exhaust memory.
const (
	maxPodsPerWorkload = 1000
	maxPodsPerNode     = 110 // the kubelet's default --max-pods, as on kind
)

func materialized(replicas int32) int { return min(int(replicas), maxPodsPerWorkload) }

func replicaSetPods(rs *appsv1.ReplicaSet, seq int) []podItem {
	owner := ownerRef("ReplicaSet", "apps/v1", rs.ObjectMeta)
	var out []podItem
	seen := map[string]bool{}
	for i := 0; i < materialized(*rs.Spec.Replicas); i++ {
		name := ""
		for try := 0; ; try++ {
			name = generateName(rs.Name+"-", rs.Namespace, rs.Name, strconv.Itoa(i), strconv.Itoa(try))
			if !seen[name] {
				break
			}
		}
		seen[name] = true
		out = append(out, podItem{pod: podFromTemplate(&rs.Spec.Template, rs.Namespace, name, owner, seq), seq: seq, index: i})
	}
	return out
}

func statefulSetPods(s *appsv1.StatefulSet, seq int) []podItem {
	owner := ownerRef("StatefulSet", "apps/v1", s.ObjectMeta)
	rev := s.Name + "-" + templateHash(s.Spec.Template)
	var out []podItem
	for i := 0; i < materialized(*s.Spec.Replicas); i++ {
		name := fmt.Sprintf("%s-%d", s.Name, i)
		p := podFromTemplate(&s.Spec.Template, s.Namespace, name, owner, seq)
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels["controller-revision-hash"] = rev
		p.Labels["statefulset.kubernetes.io/pod-name"] = name
		p.Labels["apps.kubernetes.io/pod-index"] = strconv.Itoa(i)
		p.Spec.Hostname = name
		p.Spec.Subdomain = s.Spec.ServiceName
		out = append(out, podItem{pod: p, seq: seq, index: i})
	}
	return out
}

// daemonSetPod is the DaemonSet's pod on the node, or nil when the node
// does not match its node selector.
func daemonSetPod(d *appsv1.DaemonSet, nd *corev1.Node, seq int) *corev1.Pod {
	if !labels.SelectorFromSet(d.Spec.Template.Spec.NodeSelector).Matches(labels.Set(nd.Labels)) {
		return nil
	}
	owner := ownerRef("DaemonSet", "apps/v1", d.ObjectMeta)
	name := generateName(d.Name+"-", d.Namespace, d.Name, nd.Name)
	p := podFromTemplate(&d.Spec.Template, d.Namespace, name, owner, seq)
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels["controller-revision-hash"] = templateHash(d.Spec.Template)
	p.Labels["pod-template-generation"] = "1"
	p.Spec.NodeName = nd.Name
	return p
}

// runPods schedules the pods on the node (or leaves them Pending, as the
// scheduler would, when they ask for another node or a label the node
// lacks), gives them IPs and sets their status.
func (c *Cluster) runPods(items []podItem, nd *corev1.Node) {
	alloc := newPodIPAllocator()
	assigned := map[string]string{}
	scheduled := make([]bool, len(items))
	running := 0
	for i, it := range items {
		p := it.pod
		reason := schedule(p, nd)
		if reason == "" && runs(p) {
			if running >= maxPodsPerNode {
				reason = "0/1 nodes are available: 1 Too many pods."
			} else {
				running++
			}
		}
		if reason != "" {
			p.Status = corev1.PodStatus{
				Phase:    corev1.PodPending,
				QOSClass: qosClass(p),
				Conditions: []corev1.PodCondition{{
					Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: reason,
				}},
			}
			continue
		}
		p.Spec.NodeName = nd.Name
		scheduled[i] = true
		if it.pinned && !p.Spec.HostNetwork {
			if ip, err := netip.ParseAddr(p.Status.PodIP); err == nil {
				alloc.take(ip)
			}
		}
	}
	// Pods keep the IP an earlier run gave them when it is still free.
	for i, it := range items {
		p := it.pod
		if !scheduled[i] || it.pinned || p.Spec.HostNetwork || !runs(p) {
			continue
		}
		if s, ok := c.podIPs[p.Namespace+"/"+p.Name]; ok {
			if ip, err := netip.ParseAddr(s); err == nil && alloc.free(ip) {
				alloc.take(ip)
				assigned[p.Namespace+"/"+p.Name] = s
			}
		}
	}
	for i, it := range items {
		p := it.pod
		if !scheduled[i] {
			continue
		}
		ip := ""
		switch {
		case !runs(p):
		case p.Spec.HostNetwork:
			ip = NodeIP
		case it.pinned:
			ip = p.Status.PodIP
		default:
			k := p.Namespace + "/" + p.Name
			if s, ok := assigned[k]; ok {
				ip = s
			} else if a, ok := alloc.allocate(); ok {
				ip = a.String()
				assigned[k] = ip
			}
		}
		setPodStatus(p, ip, it.seq)
	}
	c.podIPs = assigned
}

// runs says whether a pod's manifest lets it run (a manifest may set
// status.phase to Pending, Succeeded or Failed to show such a pod).
func runs(p *corev1.Pod) bool {
	return p.Status.Phase == "" || p.Status.Phase == corev1.PodRunning
}

// schedule returns why the pod cannot run on the node, or "".
func schedule(p *corev1.Pod, nd *corev1.Node) string {
	if p.Spec.NodeName != "" && p.Spec.NodeName != nd.Name {
		return fmt.Sprintf("node %q does not exist (the only node is %s)", p.Spec.NodeName, nd.Name)
	}
	if !labels.SelectorFromSet(p.Spec.NodeSelector).Matches(labels.Set(nd.Labels)) {
		return "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
	}
	return ""
}

func qosClass(p *corev1.Pod) corev1.PodQOSClass {
	for _, c := range p.Spec.Containers {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			return corev1.PodQOSBurstable
		}
	}
	return corev1.PodQOSBestEffort
}

// setPodStatus makes a scheduled pod Running with its IP, unless its
// manifest says otherwise (status.phase other than Running), and Ready
// when its readiness probes succeed as netmodel runs them and its
// manifest does not set a Ready condition that is False. A pod whose
// readiness probe the model cannot run counts as ready, with the Reason
// netmodel.ReadinessAssumed on its Ready condition (probes through it as
// a Service endpoint are then not graded offline).
func setPodStatus(p *corev1.Pod, ip string, seq int) {
	phase := p.Status.Phase
	if phase == "" {
		phase = corev1.PodRunning
	}
	running := phase == corev1.PodRunning
	ready := running
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionFalse {
			ready = false
		}
	}
	forced := running && !ready // the manifest says not ready
	var rd netmodel.Readiness
	containerReady := map[string]bool{}
	if running {
		rd = netmodel.PodReadiness(p, ip)
		for _, c := range rd.Containers {
			containerReady[c.Container] = c.Ready
		}
		ready = ready && rd.Ready
	}
	start := metav1.NewTime(epoch.Add(secondsOf(seq)))
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		s := corev1.ConditionTrue
		if !ok {
			s = corev1.ConditionFalse
		}
		return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: start}
	}
	readyCond, containersCond := cond(corev1.PodReady, ready), cond(corev1.ContainersReady, ready)
	switch {
	case running && !forced && !rd.Ready:
		// As the kubelet words it.
		msg := fmt.Sprintf("containers with unready status: [%s]", strings.Join(rd.NotReady(), " "))
		readyCond.Reason, readyCond.Message = "ContainersNotReady", msg
		containersCond.Reason, containersCond.Message = "ContainersNotReady", msg
	case ready && len(rd.Unknown()) > 0:
		readyCond.Reason, readyCond.Message = netmodel.ReadinessAssumed, strings.Join(rd.Unknown(), "; ")+
			"; the offline cluster counts it as ready"
	}
	st := corev1.PodStatus{
		Phase:     phase,
		HostIP:    NodeIP,
		HostIPs:   []corev1.HostIP{{IP: NodeIP}},
		StartTime: &start,
		QOSClass:  qosClass(p),
		Conditions: []corev1.PodCondition{
			cond("PodReadyToStartContainers", running),
			cond(corev1.PodInitialized, true),
			readyCond,
			containersCond,
			cond(corev1.PodScheduled, true),
		},
	}
	if ip != "" {
		st.PodIP = ip
		st.PodIPs = []corev1.PodIP{{IP: ip}}
	}
	for _, c := range p.Spec.Containers {
		cs := corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     c.Image,
			ContainerID: "containerd://" + fmt.Sprintf("%016x", hash64(p.Namespace, p.Name, c.Name)),
			Ready:       running && !forced && containerReady[c.Name],
		}
		if phase == corev1.PodRunning {
			t := true
			cs.Started = &t
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: start}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	p.Status = st
}

// podsOwnedBy returns the pods whose controller has the given UID.
func podsOwnedBy(v *view, ns string, owner types.UID) (total, ready int) {
	for k, o := range v.all {
		if k.kind != "Pod" || k.ns != ns {
			continue
		}
		p := o.(*corev1.Pod)
		if isOwnedBy(p, owner) {
			total++
			if netmodel.PodReady(p) {
				ready++
			}
		}
	}
	return total, ready
}

// assumedReadyPod is why a pod of the owner counts as ready without its
// readiness probe having been run ("" when none does).
func assumedReadyPod(v *view, ns string, owner types.UID) string {
	var out []string
	for k, o := range v.all {
		if k.kind != "Pod" || k.ns != ns {
			continue
		}
		p := o.(*corev1.Pod)
		if !isOwnedBy(p, owner) {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && c.Reason == netmodel.ReadinessAssumed {
				out = append(out, c.Message)
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	sort.Strings(out)
	return out[0]
}

// workloadStatus fills the status of ReplicaSets, Deployments,
// StatefulSets and DaemonSets from their pods.
func workloadStatus(v *view, recs []*record, keys map[*record]key, nd *corev1.Node) {
	for k, o := range v.all {
		rs, ok := o.(*appsv1.ReplicaSet)
		if !ok || k.kind != "ReplicaSet" {
			continue
		}
		n, ready := podsOwnedBy(v, rs.Namespace, rs.UID)
		rs.Status = appsv1.ReplicaSetStatus{Replicas: int32(n), FullyLabeledReplicas: int32(n), ReadyReplicas: int32(ready),
			AvailableReplicas: int32(ready), ObservedGeneration: rs.Generation}
	}
	for _, r := range recs {
		switch o := v.all[keys[r]].(type) {
		case *appsv1.Deployment:
			rs, ok := v.all[key{"ReplicaSet", o.Namespace, o.Name + "-" + templateHash(o.Spec.Template)}].(*appsv1.ReplicaSet)
			if !ok {
				continue
			}
			assumed := assumedReadyPod(v, rs.Namespace, rs.UID)
			n, ready := rs.Status.Replicas, rs.Status.ReadyReplicas
			o.Status = appsv1.DeploymentStatus{
				ObservedGeneration:  o.Generation,
				Replicas:            n,
				UpdatedReplicas:     n,
				ReadyReplicas:       ready,
				AvailableReplicas:   ready,
				UnavailableReplicas: n - ready,
			}
			at := metav1.NewTime(epoch.Add(secondsOf(r.seq)))
			avail := corev1.ConditionTrue
			reason, msg := "MinimumReplicasAvailable", "Deployment has minimum availability."
			if ready < *o.Spec.Replicas-int32(maxUnavailable(o)) {
				avail, reason, msg = corev1.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
			}
			if assumed != "" {
				// Its ready count rests on a readiness probe the model
				// cannot run: checks of its status are not graded offline.
				reason, msg = netmodel.ReadinessAssumed, assumed
			}
			o.Status.Conditions = []appsv1.DeploymentCondition{
				{Type: appsv1.DeploymentAvailable, Status: avail, Reason: reason, Message: msg, LastUpdateTime: at, LastTransitionTime: at},
				{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable",
					Message: fmt.Sprintf("ReplicaSet %q has successfully progressed.", rs.Name), LastUpdateTime: at, LastTransitionTime: at},
			}
		case *appsv1.StatefulSet:
			n, ready := podsOwnedBy(v, o.Namespace, o.UID)
			rev := o.Name + "-" + templateHash(o.Spec.Template)
			o.Status = appsv1.StatefulSetStatus{ObservedGeneration: o.Generation, Replicas: int32(n), ReadyReplicas: int32(ready),
				CurrentReplicas: int32(n), UpdatedReplicas: int32(n), AvailableReplicas: int32(ready), CurrentRevision: rev, UpdateRevision: rev}
		case *appsv1.DaemonSet:
			n, ready := podsOwnedBy(v, o.Namespace, o.UID)
			desired := 0
			if labels.SelectorFromSet(o.Spec.Template.Spec.NodeSelector).Matches(labels.Set(nd.Labels)) {
				desired = 1
			}
			o.Status = appsv1.DaemonSetStatus{ObservedGeneration: o.Generation, CurrentNumberScheduled: int32(n), DesiredNumberScheduled: int32(desired),
				NumberReady: int32(ready), NumberAvailable: int32(ready), UpdatedNumberScheduled: int32(n), NumberUnavailable: int32(desired - ready)}
		}
	}
}

func maxUnavailable(d *appsv1.Deployment) int {
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, int(*d.Spec.Replicas), false)
	if err != nil {
		return 0
	}
	return n
}

// serviceControllers sets load balancer status and runs the EndpointSlice,
// Endpoints and EndpointSlice-mirroring controllers.
func serviceControllers(v *view, recs []*record, keys map[*record]key) {
	// Pods by namespace, sorted by name.
	podsByNS := map[string][]*corev1.Pod{}
	for k, o := range v.all {
		if k.kind == "Pod" {
			podsByNS[k.ns] = append(podsByNS[k.ns], o.(*corev1.Pod))
		}
	}
	for _, ps := range podsByNS {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	}
	for _, r := range recs {
		svc, ok := v.all[keys[r]].(*corev1.Service)
		if !ok {
			continue
		}
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			vip := corev1.LoadBalancerIPModeVIP
			svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: NodeIP, IPMode: &vip}}
		}
		switch {
		case svc.Spec.Type == corev1.ServiceTypeExternalName:
		case svc.Namespace == "default" && svc.Name == "kubernetes" && svc.Spec.Selector == nil:
			apiServerEndpoints(v, svc, r.seq)
		case svc.Spec.Selector != nil:
			selectorEndpoints(v, svc, podsByNS[svc.Namespace], r.seq)
		default:
			mirrorEndpoints(v, svc, r.seq)
		}
	}
}

// endpointGroup is the endpoints of a Service that share one port
// mapping (pods resolving a named targetPort to different numbers, or not
// at all, land in different groups, as the controller does).
type endpointGroup struct {
	key   string
	ports []discoveryv1.EndpointPort
	pods  []*corev1.Pod
}

// findPort resolves a Service port's targetPort for one pod: numbers as
// they are, names against the pod's container ports of the same protocol
// (sidecars included).
func findPort(p *corev1.Pod, sp *corev1.ServicePort) (int32, bool) {
	if sp.TargetPort.Type == intstr.Int {
		return sp.TargetPort.IntVal, true
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == sp.TargetPort.StrVal && cp.Protocol == sp.Protocol {
				return cp.ContainerPort, true
			}
		}
	}
	for _, c := range p.Spec.InitContainers {
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			continue
		}
		for _, cp := range c.Ports {
			if cp.Name == sp.TargetPort.StrVal && cp.Protocol == sp.Protocol {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

func endpointGroups(svc *corev1.Service, pods []*corev1.Pod) []*endpointGroup {
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var groups []*endpointGroup
	byKey := map[string]*endpointGroup{}
	for _, p := range pods {
		if !sel.Matches(labels.Set(p.Labels)) || p.Status.PodIP == "" ||
			p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		ports := []discoveryv1.EndpointPort{}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			n, ok := findPort(p, sp)
			if !ok {
				continue
			}
			name, proto := sp.Name, sp.Protocol
			ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &n, Protocol: &proto, AppProtocol: sp.AppProtocol})
		}
		j, _ := json.Marshal(ports)
		g, ok := byKey[string(j)]
		if !ok {
			g = &endpointGroup{key: string(j), ports: ports}
			byKey[g.key] = g
			groups = append(groups, g)
		}
		g.pods = append(g.pods, p)
	}
	return groups
}

const maxEndpointsPerSlice = 100

func sliceLabels(svc *corev1.Service, managedBy string) map[string]string {
	l := copyLabels(svc.Labels)
	if l == nil {
		l = map[string]string{}
	}
	l[discoveryv1.LabelServiceName] = svc.Name
	l[discoveryv1.LabelManagedBy] = managedBy
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		l[corev1.IsHeadlessService] = ""
	}
	return l
}

func selectorEndpoints(v *view, svc *corev1.Service, pods []*corev1.Pod, seq int) {
	groups := endpointGroups(svc, pods)
	owner := ownerRef("Service", "v1", svc.ObjectMeta)
	nodeName := NodeName
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	ep := &corev1.Endpoints{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: derivedMeta("Endpoints", svc.Namespace, svc.Name, seq),
	}
	ep.Labels = copyLabels(svc.Labels)
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		if ep.Labels == nil {
			ep.Labels = map[string]string{}
		}
		ep.Labels[corev1.IsHeadlessService] = ""
	}
	made := 0
	for _, g := range groups {
		//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
		var subset corev1.EndpointSubset
		for _, p := range g.pods {
			e := podEndpoint(svc, p, nodeName)
			addr := corev1.EndpointAddress{IP: p.Status.PodIP, NodeName: &nodeName, Hostname: derefString(e.Hostname),
				TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}}
			if *e.Conditions.Ready {
				subset.Addresses = append(subset.Addresses, addr)
			} else {
				subset.NotReadyAddresses = append(subset.NotReadyAddresses, addr)
			}
		}
		for _, port := range g.ports {
			subset.Ports = append(subset.Ports, corev1.EndpointPort{Name: *port.Name, Port: *port.Port, Protocol: *port.Protocol, AppProtocol: port.AppProtocol})
		}
		// The Endpoints controller leaves out pods none of whose ports
		// resolve (unless the Service is headless without ports).
		if len(g.ports) > 0 || len(svc.Spec.Ports) == 0 {
			ep.Subsets = append(ep.Subsets, subset)
		}
		for start := 0; start < len(g.pods); start += maxEndpointsPerSlice {
			end := min(start+maxEndpointsPerSlice, len(g.pods))
			name := generateName(svc.Name+"-", "endpointslice", svc.Namespace, svc.Name, g.key, strconv.Itoa(start))
			es := newSlice(svc, name, seq, owner, "endpointslice-controller.k8s.io", g.ports)
			for _, p := range g.pods[start:end] {
				es.Endpoints = append(es.Endpoints, podEndpoint(svc, p, nodeName))
			}
			v.all[key{"EndpointSlice", svc.Namespace, es.Name}] = es
			made++
		}
	}
	if made == 0 {
		// A Service that selects no pods still gets one empty slice.
		name := generateName(svc.Name+"-", "endpointslice", svc.Namespace, svc.Name, "empty")
		ports := []discoveryv1.EndpointPort{}
		es := newSlice(svc, name, seq, owner, "endpointslice-controller.k8s.io", ports)
		v.all[key{"EndpointSlice", svc.Namespace, es.Name}] = es
	}
	// A user's Endpoints object of the same name is overwritten by the
	// controller.
	v.all[key{"Endpoints", svc.Namespace, svc.Name}] = ep
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func podEndpoint(svc *corev1.Service, p *corev1.Pod, nodeName string) discoveryv1.Endpoint {
	serving := netmodel.PodReady(p)
	ready := svc.Spec.PublishNotReadyAddresses || serving
	f := false
	e := discoveryv1.Endpoint{
		Addresses:  []string{p.Status.PodIP},
		Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &f},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		NodeName:   &nodeName,
	}
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
		h := p.Spec.Hostname
		e.Hostname = &h
	}
	return e
}

func newSlice(svc *corev1.Service, name string, seq int, owner metav1.OwnerReference, managedBy string, ports []discoveryv1.EndpointPort) *discoveryv1.EndpointSlice {
	es := &discoveryv1.EndpointSlice{
		TypeMeta:    metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta:  derivedMeta("EndpointSlice", svc.Namespace, name, seq),
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
	}
	es.GenerateName = svc.Name + "-"
	es.Labels = sliceLabels(svc, managedBy)
	es.OwnerReferences = []metav1.OwnerReference{owner}
	return es
}

// apiServerEndpoints points default/kubernetes at the API server on the
// node.
func apiServerEndpoints(v *view, svc *corev1.Service, seq int) {
	port, name, proto := int32(6443), "https", corev1.ProtocolTCP
	t, f := true, false
	es := &discoveryv1.EndpointSlice{
		TypeMeta:    metav1.TypeMeta{APIVersion: "discovery.k8s.io/v1", Kind: "EndpointSlice"},
		ObjectMeta:  derivedMeta("EndpointSlice", svc.Namespace, "kubernetes", seq),
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{NodeIP}, Conditions: discoveryv1.EndpointConditions{Ready: &t, Serving: &t, Terminating: &f}}},
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port, Protocol: &proto}},
	}
	es.Labels = map[string]string{discoveryv1.LabelServiceName: "kubernetes"}
	v.all[key{"EndpointSlice", svc.Namespace, "kubernetes"}] = es
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	ep := &corev1.Endpoints{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: derivedMeta("Endpoints", svc.Namespace, "kubernetes", seq),
	}
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	ep.Subsets = []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: NodeIP}}, Ports: []corev1.EndpointPort{{Name: name, Port: port, Protocol: proto}}}}
	v.all[key{"Endpoints", svc.Namespace, "kubernetes"}] = ep
}

// mirrorEndpoints is the EndpointSlice mirroring controller: the Endpoints
// object a user wrote for a Service without selector becomes EndpointSlices.
func mirrorEndpoints(v *view, svc *corev1.Service, seq int) {
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	ep, ok := v.all[key{"Endpoints", svc.Namespace, svc.Name}].(*corev1.Endpoints)
	if !ok {
		return
	}
	owner := ownerRef("Service", "v1", svc.ObjectMeta)
	t, f := true, false
	for i, ss := range ep.Subsets {
		var ports []discoveryv1.EndpointPort
		for _, p := range ss.Ports {
			name, port, proto := p.Name, p.Port, p.Protocol
			ports = append(ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto, AppProtocol: p.AppProtocol})
		}
		name := generateName(svc.Name+"-", "mirror", svc.Namespace, svc.Name, strconv.Itoa(i))
		es := newSlice(svc, name, seq, owner, "endpointslicemirroring-controller.k8s.io", ports)
		add := func(addrs []corev1.EndpointAddress, ready bool) {
			for _, a := range addrs {
				r := ready
				e := discoveryv1.Endpoint{Addresses: []string{a.IP}, Conditions: discoveryv1.EndpointConditions{Ready: &r, Serving: &r, Terminating: &f}, NodeName: a.NodeName, TargetRef: a.TargetRef}
				if a.Hostname != "" {
					h := a.Hostname
					e.Hostname = &h
				}
				es.Endpoints = append(es.Endpoints, e)
			}
		}
		add(ss.Addresses, t)
		add(ss.NotReadyAddresses, false)
		v.all[key{"EndpointSlice", svc.Namespace, es.Name}] = es
	}
}

// snapshot collects the network model's objects, sorted by namespace and
// name.
func snapshot(all map[key]runtime.Object) netmodel.Objects {
	var keys []key
	for k := range all {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ns != keys[j].ns {
			return keys[i].ns < keys[j].ns
		}
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].kind < keys[j].kind
	})
	var o netmodel.Objects
	for _, k := range keys {
		switch x := all[k].(type) {
		case *corev1.Node:
			o.Nodes = append(o.Nodes, *x)
		case *corev1.Namespace:
			o.Namespaces = append(o.Namespaces, *x)
		case *corev1.Pod:
			o.Pods = append(o.Pods, *x)
		case *corev1.Service:
			o.Services = append(o.Services, *x)
		case *discoveryv1.EndpointSlice:
			o.EndpointSlices = append(o.EndpointSlices, *x)
		case *networkingv1.NetworkPolicy:
			o.NetworkPolicies = append(o.NetworkPolicies, *x)
		case *networkingv1.Ingress:
			o.Ingresses = append(o.Ingresses, *x)
		case *networkingv1.IngressClass:
			o.IngressClasses = append(o.IngressClasses, *x)
		case *appsv1.Deployment:
			o.Deployments = append(o.Deployments, *x)
		}
	}
	return o
}
