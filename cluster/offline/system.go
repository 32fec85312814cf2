package offline

import (
	"github.com/ckadlab/ckadlab/manifest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Facts of the offline cluster, the same as ckadlab's kind cluster.
const (
	NodeName       = "ckadlab-control-plane"
	NodeIP         = "172.18.0.2"
	NodePodCIDR    = "10.244.0.0/24"
	PodCIDR        = "10.244.0.0/16"
	ServiceCIDR    = "10.96.0.0/16"
	DNSServiceIP   = "10.96.0.10"
	APIServiceIP   = "10.96.0.1"
	NodePortMin    = 30000
	NodePortMax    = 32767
	CoreDNSImage   = "registry.k8s.io/coredns/coredns:v1.14.6"
	TraefikImage   = "docker.io/library/traefik:3.7.13"
	defaultClassAn = "ingressclass.kubernetes.io/is-default-class"
)

// The cluster's two IngressClasses, both served by the one Traefik:
// nginx (the default class) by its kubernetesIngressNGINX provider, with
// ingress-nginx semantics, and traefik by its standard kubernetesIngress
// provider. Each provider also takes an Ingress without ingressClassName
// whose annotation kubernetes.io/ingress.class names its class, and none
// takes an Ingress without any class.
const (
	NginxClass   = "nginx"
	NginxCtrl    = "k8s.io/ingress-nginx"
	TraefikClass = "traefik"
	TraefikCtrl  = "traefik.io/ingress-controller"
	// DefaultIngressClass is the class the API server gives an Ingress
	// created without one.
	DefaultIngressClass = NginxClass
)

// TraefikArgs are the arguments of the Traefik container, the same as in
// the kind cluster's add-on (cluster/kind/addons/traefik.yaml; a test
// keeps the two equal).
var TraefikArgs = []string{
	"--entryPoints.web.address=:8000/tcp",
	"--entryPoints.websecure.address=:8443/tcp",
	"--entryPoints.websecure.http.tls=true",
	"--entryPoints.traefik.address=:9000/tcp",
	"--ping=true",
	"--ping.entryPoint=traefik",
	"--providers.kubernetesingress=true",
	"--providers.kubernetesingress.ingressendpoint.publishedservice=traefik/traefik",
	"--providers.kubernetesingress.allowEmptyServices=true",
	"--providers.kubernetesingress.strictPrefixMatching=true",
	"--providers.kubernetesingress.ingressClass=traefik",
	"--providers.kubernetesingressnginx=true",
	"--providers.kubernetesingressnginx.publishService=traefik/traefik",
	"--providers.kubernetesingressnginx.httpEntryPoint=web",
	"--providers.kubernetesingressnginx.httpsEntryPoint=websecure",
	"--providers.kubernetesingressnginx.proxyConnectTimeout=1",
	"--providers.kubernetesingressnginx.proxyNextUpstreamTries=1",
	"--providers.kubernetesingressnginx.upstreamKeepaliveTimeout=1",
	"--serversTransport.maxIdleConnsPerHost=-1",
	"--serversTransport.forwardingTimeouts.dialTimeout=1s",
	"--accesslog=true",
	"--accesslog.format=json",
	"--accesslog.fields.defaultmode=keep",
	"--accesslog.fields.headers.defaultmode=keep",
	"--providers.providersThrottleDuration=100ms",
	"--global.checkNewVersion=false",
	"--global.sendAnonymousUsage=false",
	"--log.level=INFO",
}

// IngressClassServed reports whether the cluster's Traefik serves an
// Ingress, by its class alone: spec.ingressClassName naming an
// IngressClass of one of its two controllers, or, without it, the
// annotation kubernetes.io/ingress.class naming the class of one of its
// providers (the annotation is compared with the provider's class name,
// not with IngressClass objects).
func IngressClassServed(ing *networkingv1.Ingress, class func(name string) *networkingv1.IngressClass) bool {
	if n := ing.Spec.IngressClassName; n != nil {
		ic := class(*n)
		return ic != nil && (ic.Spec.Controller == NginxCtrl || ic.Spec.Controller == TraefikCtrl)
	}
	a, ok := ing.Annotations["kubernetes.io/ingress.class"]
	return ok && (a == NginxClass || a == TraefikClass)
}

const systemFile = "ckadlab offline cluster add-ons"

// node is the cluster's one node (not created through Apply: manifests
// cannot create nodes).
func node() *corev1.Node {
	return &corev1.Node{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{
			Name: NodeName,
			UID:  uid("Node", "", NodeName, 0),
			Labels: map[string]string{
				"kubernetes.io/hostname":                NodeName,
				"kubernetes.io/os":                      "linux",
				"kubernetes.io/arch":                    "amd64",
				"beta.kubernetes.io/os":                 "linux",
				"beta.kubernetes.io/arch":               "amd64",
				"node-role.kubernetes.io/control-plane": "",
			},
			CreationTimestamp: metav1.NewTime(epoch),
		},
		Spec: corev1.NodeSpec{
			PodCIDR:    NodePodCIDR,
			PodCIDRs:   []string{NodePodCIDR},
			ProviderID: "kind://docker/ckadlab/" + NodeName,
		},
		Status: corev1.NodeStatus{
			Capacity:    nodeResources(),
			Allocatable: nodeResources(),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: NodeIP},
				{Type: corev1.NodeHostName, Address: NodeName},
			},
			Conditions: []corev1.NodeCondition{
				{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory"},
				{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure"},
				{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID"},
				{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
			},
			NodeInfo: corev1.NodeSystemInfo{
				OperatingSystem:         "linux",
				Architecture:            "amd64",
				ContainerRuntimeVersion: "containerd://2.1.4",
				KubeletVersion:          "v1.37.2",
				OSImage:                 "Debian GNU/Linux 12 (bookworm)",
			},
		},
	}
}

func nodeResources() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourcePods:   *resource.NewQuantity(maxPodsPerNode, resource.DecimalSI),
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("8Gi"),
	}
}

func sys(obj runtime.Object, kind, ns, name string) manifest.Object {
	return manifest.Object{Obj: obj, Kind: kind, Namespace: ns, Name: name, Origin: manifest.Origin{File: systemFile}}
}

// systemObjects are the objects a kind cluster set up for the course has.
func systemObjects() []manifest.Object {
	var out []manifest.Object
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease", "traefik"} {
		out = append(out, sys(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, "Namespace", "", ns))
	}

	out = append(out, sys(&corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: APIServiceIP,
			Ports:     []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(6443)}},
		},
	}, "Service", "default", "kubernetes"))

	dnsLabels := map[string]string{"k8s-app": "kube-dns"}
	two := int32(2)
	out = append(out, sys(&appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &two,
			Selector: &metav1.LabelSelector{MatchLabels: dnsLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"k8s-app": "kube-dns"}},
				Spec: corev1.PodSpec{
					PriorityClassName:  "system-cluster-critical",
					ServiceAccountName: "coredns",
					DNSPolicy:          corev1.DNSDefault,
					Containers: []corev1.Container{{
						Name:  "coredns",
						Image: CoreDNSImage,
						Args:  []string{"-conf", "/etc/coredns/Corefile"},
						Ports: []corev1.ContainerPort{
							{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
							{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: 9153, Protocol: corev1.ProtocolTCP},
						},
					}},
				},
			},
		},
	}, "Deployment", "kube-system", "coredns"))
	out = append(out, sys(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}}, "ServiceAccount", "kube-system", "coredns"))
	out = append(out, sys(&corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-dns", Namespace: "kube-system",
			Labels:      map[string]string{"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
			Annotations: map[string]string{"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
		Spec: corev1.ServiceSpec{
			ClusterIP: DNSServiceIP,
			Selector:  map[string]string{"k8s-app": "kube-dns"},
			Ports: []corev1.ServicePort{
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
				{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9153)},
			},
		},
	}, "Service", "kube-system", "kube-dns"))

	tLabels := map[string]string{"app.kubernetes.io/name": "traefik"}
	noNodePorts := false
	one := int32(1)
	out = append(out, sys(&appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "traefik", Namespace: "traefik", Labels: copyLabels(tLabels)},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: copyLabels(tLabels)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: copyLabels(tLabels)},
				Spec: corev1.PodSpec{
					ServiceAccountName: "traefik",
					Containers: []corev1.Container{{
						Name:  "traefik",
						Image: TraefikImage,
						Args:  append([]string(nil), TraefikArgs...),
						Ports: []corev1.ContainerPort{
							{Name: "web", ContainerPort: 8000, Protocol: corev1.ProtocolTCP},
							{Name: "websecure", ContainerPort: 8443, Protocol: corev1.ProtocolTCP},
							{Name: "traefik", ContainerPort: 9000, Protocol: corev1.ProtocolTCP},
						},
					}},
				},
			},
		},
	}, "Deployment", "traefik", "traefik"))
	out = append(out, sys(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "traefik", Namespace: "traefik"}}, "ServiceAccount", "traefik", "traefik"))
	out = append(out, sys(&corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "traefik", Namespace: "traefik", Labels: copyLabels(tLabels)},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeLoadBalancer,
			// As on kind: no node ports (a random one could take a port a
			// lab asks the learner to use).
			AllocateLoadBalancerNodePorts: &noNodePorts,
			Selector:                      copyLabels(tLabels),
			Ports: []corev1.ServicePort{
				{Name: "web", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")},
				{Name: "websecure", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("websecure")},
			},
		},
	}, "Service", "traefik", "traefik"))
	out = append(out, sys(&networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: NginxClass, Annotations: map[string]string{defaultClassAn: "true"}},
		Spec:       networkingv1.IngressClassSpec{Controller: NginxCtrl},
	}, "IngressClass", "", NginxClass))
	out = append(out, sys(&networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: TraefikClass},
		Spec:       networkingv1.IngressClassSpec{Controller: TraefikCtrl},
	}, "IngressClass", "", TraefikClass))
	return out
}

func copyLabels(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
