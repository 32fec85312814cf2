package offline

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/ckadlab/ckadlab/netmodel"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// applyDefaults does what the API server does to an object before storing
// it: the round trip through its serialization (an empty list such as
// `ingress: []` reads back as absent), defaulting, the DefaultIngressClass
// admission plugin, and keeping fields it allocated earlier (ClusterIP,
// node ports) when the object is replaced without them, as `kubectl apply`
// does.
func applyDefaults(obj, old runtime.Object, tx *txn) {
	roundTrip(obj)
	switch o := obj.(type) {
	case *corev1.Namespace:
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels["kubernetes.io/metadata.name"] = o.Name
		o.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	case *corev1.Pod:
		defaultPodSpec(&o.Spec, true)
	case *appsv1.Deployment:
		defaultReplicas(&o.Spec.Replicas)
		if o.Spec.Strategy.Type == "" {
			o.Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
		}
		if o.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType && o.Spec.Strategy.RollingUpdate == nil {
			q := intstr.FromString("25%")
			o.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: &q, MaxSurge: &q}
		}
		defaultInt32(&o.Spec.RevisionHistoryLimit, 10)
		defaultInt32(&o.Spec.ProgressDeadlineSeconds, 600)
		defaultPodSpec(&o.Spec.Template.Spec, false)
		o.Status = appsv1.DeploymentStatus{}
	case *appsv1.ReplicaSet:
		defaultReplicas(&o.Spec.Replicas)
		defaultPodSpec(&o.Spec.Template.Spec, false)
		o.Status = appsv1.ReplicaSetStatus{}
	case *appsv1.StatefulSet:
		defaultReplicas(&o.Spec.Replicas)
		if o.Spec.PodManagementPolicy == "" {
			o.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
		}
		if o.Spec.UpdateStrategy.Type == "" {
			o.Spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		}
		if o.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && o.Spec.UpdateStrategy.RollingUpdate == nil {
			zero := int32(0)
			o.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: &zero}
		}
		defaultInt32(&o.Spec.RevisionHistoryLimit, 10)
		if o.Spec.PersistentVolumeClaimRetentionPolicy == nil {
			o.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			}
		}
		defaultPodSpec(&o.Spec.Template.Spec, false)
		o.Status = appsv1.StatefulSetStatus{}
	case *appsv1.DaemonSet:
		if o.Spec.UpdateStrategy.Type == "" {
			o.Spec.UpdateStrategy.Type = appsv1.RollingUpdateDaemonSetStrategyType
		}
		if o.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType && o.Spec.UpdateStrategy.RollingUpdate == nil {
			one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
			o.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &one, MaxSurge: &zero}
		}
		defaultInt32(&o.Spec.RevisionHistoryLimit, 10)
		defaultPodSpec(&o.Spec.Template.Spec, false)
		o.Status = appsv1.DaemonSetStatus{}
	case *corev1.Service:
		var oldSvc *corev1.Service
		if s, ok := old.(*corev1.Service); ok {
			oldSvc = s
		}
		defaultService(o, oldSvc)
	case *networkingv1.NetworkPolicy:
		defaultNetworkPolicy(o)
	case *networkingv1.Ingress:
		// The DefaultIngressClass admission plugin fills in the class on
		// create only: an update that drops the class leaves none
		// (measured live).
		_, updating := old.(*networkingv1.Ingress)
		if !updating && o.Spec.IngressClassName == nil && o.Annotations["kubernetes.io/ingress.class"] == "" {
			if name, ok := tx.defaultIngressClass(); ok {
				o.Spec.IngressClassName = &name
			}
		}
		o.Status = networkingv1.IngressStatus{}
	case *corev1.Secret:
		if o.Type == "" {
			o.Type = corev1.SecretTypeOpaque
		}
		if len(o.StringData) > 0 {
			if o.Data == nil {
				o.Data = map[string][]byte{}
			}
			for k, v := range o.StringData {
				o.Data[k] = []byte(v)
			}
			o.StringData = nil
		}
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	case *corev1.Endpoints:
		for i := range o.Subsets {
			for j := range o.Subsets[i].Ports {
				if o.Subsets[i].Ports[j].Protocol == "" {
					o.Subsets[i].Ports[j].Protocol = corev1.ProtocolTCP
				}
			}
		}
	case *discoveryv1.EndpointSlice:
		for i := range o.Ports {
			p := &o.Ports[i]
			if p.Name == nil {
				empty := ""
				p.Name = &empty
			}
			if p.Protocol == nil {
				tcp := corev1.ProtocolTCP
				p.Protocol = &tcp
			}
		}
	}
}

// roundTrip encodes and decodes obj, as storing it in the API server does:
// empty lists and maps of omitempty fields read back as absent.
func roundTrip(obj runtime.Object) {
	b, err := json.Marshal(obj)
	if err != nil {
		return
	}
	fresh := reflect.New(reflect.TypeOf(obj).Elem())
	if err := json.Unmarshal(b, fresh.Interface()); err != nil {
		return
	}
	reflect.ValueOf(obj).Elem().Set(fresh.Elem())
}

func defaultReplicas(p **int32) { defaultInt32(p, 1) }

func defaultInt32(p **int32, v int32) {
	if *p == nil {
		*p = &v
	}
}

// defaultPodSpec applies the pod defaults that matter (protocols above
// all) and those kubectl shows. pod is false for templates, which the
// ServiceAccount admission plugin does not touch.
func defaultPodSpec(s *corev1.PodSpec, pod bool) {
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	defaultInt64(&s.TerminationGracePeriodSeconds, 30)
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.EnableServiceLinks == nil {
		t := true
		s.EnableServiceLinks = &t
	}
	if pod && s.ServiceAccountName == "" {
		s.ServiceAccountName = "default"
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i])
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i])
	}
}

func defaultInt64(p **int64, v int64) {
	if *p == nil {
		*p = &v
	}
}

func defaultContainer(c *corev1.Container) {
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = corev1.PullIfNotPresent
		if imageTag(c.Image) == "latest" {
			c.ImagePullPolicy = corev1.PullAlways
		}
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
}

// defaultProbe applies the API server's probe defaults (what kubectl
// describe shows).
func defaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	if h := p.HTTPGet; h != nil {
		if h.Path == "" {
			h.Path = "/"
		}
		if h.Scheme == "" {
			h.Scheme = corev1.URISchemeHTTP
		}
	}
}

// imageTag is the tag of an image reference ("latest" when it has none and
// no digest).
func imageTag(image string) string {
	if strings.Contains(image, "@") {
		return ""
	}
	last := image[strings.LastIndex(image, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		return last[i+1:]
	}
	return "latest"
}

// externallyAccessible is the API server's test for services that get an
// externalTrafficPolicy.
func externallyAccessible(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer || s.Spec.Type == corev1.ServiceTypeNodePort ||
		(s.Spec.Type == corev1.ServiceTypeClusterIP && len(s.Spec.ExternalIPs) > 0)
}

func needsNodePorts(s *corev1.Service) bool {
	if s.Spec.Type == corev1.ServiceTypeNodePort {
		return true
	}
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer && (s.Spec.AllocateLoadBalancerNodePorts == nil || *s.Spec.AllocateLoadBalancerNodePorts)
}

func defaultService(s, old *corev1.Service) {
	if s.Spec.Type == "" {
		s.Spec.Type = corev1.ServiceTypeClusterIP
	}
	if s.Spec.SessionAffinity == "" {
		s.Spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	for i := range s.Spec.Ports {
		p := &s.Spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == (intstr.IntOrString{}) {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if externallyAccessible(s) && s.Spec.ExternalTrafficPolicy == "" {
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if s.Spec.Type == corev1.ServiceTypeLoadBalancer && s.Spec.AllocateLoadBalancerNodePorts == nil {
		t := true
		s.Spec.AllocateLoadBalancerNodePorts = &t
	}
	if s.Spec.Type != corev1.ServiceTypeExternalName && s.Spec.InternalTrafficPolicy == nil {
		c := corev1.ServiceInternalTrafficPolicyCluster
		s.Spec.InternalTrafficPolicy = &c
	}
	// spec.clusterIP and spec.clusterIPs mirror each other.
	if s.Spec.ClusterIP == "" && len(s.Spec.ClusterIPs) > 0 {
		s.Spec.ClusterIP = s.Spec.ClusterIPs[0]
	}
	s.Status = corev1.ServiceStatus{}

	// kubectl apply keeps what the API server allocated.
	if old == nil {
		return
	}
	if s.Spec.Type != corev1.ServiceTypeExternalName && old.Spec.Type != corev1.ServiceTypeExternalName && s.Spec.ClusterIP == "" {
		s.Spec.ClusterIP = old.Spec.ClusterIP
	}
	if needsNodePorts(s) && needsNodePorts(old) {
		for i := range s.Spec.Ports {
			p := &s.Spec.Ports[i]
			if p.NodePort != 0 {
				continue
			}
			for _, op := range old.Spec.Ports {
				if op.Port == p.Port && op.Protocol == p.Protocol {
					p.NodePort = op.NodePort
				}
			}
		}
	}
}

func defaultNetworkPolicy(np *networkingv1.NetworkPolicy) {
	np.Spec.PolicyTypes = netmodel.PolicyTypes(np)
	tcp := func(ports []networkingv1.NetworkPolicyPort) {
		for i := range ports {
			if ports[i].Protocol == nil {
				p := corev1.ProtocolTCP
				ports[i].Protocol = &p
			}
		}
	}
	for i := range np.Spec.Ingress {
		tcp(np.Spec.Ingress[i].Ports)
	}
	for i := range np.Spec.Egress {
		tcp(np.Spec.Egress[i].Ports)
	}
}

// defaultIngressClass is the IngressClass the DefaultIngressClass admission
// plugin gives new Ingresses: the one annotated as default (the newest if
// several are).
func (t *txn) defaultIngressClass() (string, bool) {
	name, best := "", -1
	t.each("IngressClass", func(k key, r *record, _ bool) {
		ic := r.obj.(*networkingv1.IngressClass)
		if ic.Annotations[defaultClassAn] == "true" && r.seq > best {
			name, best = ic.Name, r.seq
		}
	})
	return name, best >= 0
}
