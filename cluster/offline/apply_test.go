package offline

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/manifest"
	corev1 "k8s.io/api/core/v1"
)

const shopNS = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
`

func TestSystemObjects(t *testing.T) {
	c := New()
	checks := []struct {
		kind, ns, name, path, want string
	}{
		{"Node", "", NodeName, "status.addresses[0].address", "172.18.0.2"},
		{"Node", "", NodeName, "spec.podCIDR", "10.244.0.0/24"},
		{"Namespace", "", "kube-system", "metadata.labels.kubernetes.io/metadata.name", "kube-system"},
		{"Namespace", "", "traefik", "status.phase", "Active"},
		{"Namespace", "", "kube-node-lease", "metadata.name", "kube-node-lease"},
		{"Namespace", "", "kube-public", "metadata.name", "kube-public"},
		{"Service", "default", "kubernetes", "spec.clusterIP", "10.96.0.1"},
		{"Service", "default", "kubernetes", "spec.ports[0].port", "443"},
		{"Service", "kube-system", "kube-dns", "spec.clusterIP", "10.96.0.10"},
		{"Service", "kube-system", "kube-dns", "spec.ports[0].protocol", "UDP"},
		{"Service", "kube-system", "kube-dns", "spec.ports[1].name", "dns-tcp"},
		{"Deployment", "kube-system", "coredns", "status.readyReplicas", "2"},
		{"Deployment", "kube-system", "coredns", "spec.template.spec.containers[0].image", CoreDNSImage},
		{"Deployment", "traefik", "traefik", "spec.template.spec.containers[0].image", TraefikImage},
		{"Deployment", "traefik", "traefik", "spec.template.spec.containers[0].args[0]", "--entryPoints.web.address=:8000/tcp"},
		{"Deployment", "traefik", "traefik", "spec.template.spec.containers[0].ports[1].name", "websecure"},
		{"Service", "traefik", "traefik", "spec.type", "LoadBalancer"},
		{"Service", "traefik", "traefik", "spec.ports[1].port", "443"},
		{"Service", "traefik", "traefik", "status.loadBalancer.ingress[0].ip", "172.18.0.2"},
		{"IngressClass", "", "traefik", "spec.controller", "traefik.io/ingress-controller"},
		{"IngressClass", "", "traefik", "metadata.annotations", "<absent>"},
		{"IngressClass", "", "nginx", "spec.controller", "k8s.io/ingress-nginx"},
		{"IngressClass", "", "nginx", "metadata.annotations.ingressclass.kubernetes.io/is-default-class", "true"},
		{"ServiceAccount", "default", "default", "metadata.name", "default"},
		{"EndpointSlice", "default", "kubernetes", "endpoints[0].addresses[0]", "172.18.0.2"},
	}
	for _, ck := range checks {
		u := get(t, c, ck.kind, ck.ns, ck.name)
		if got := fieldDots(u.Object, ck.path); got != ck.want {
			t.Errorf("%s %s/%s %s = %q, want %q", ck.kind, ck.ns, ck.name, ck.path, got, ck.want)
		}
	}
	dns := podsOf(c, "kube-system", "coredns-")
	if len(dns) != 2 {
		t.Fatalf("%d CoreDNS pods", len(dns))
	}
	for _, p := range dns {
		if p.Labels["k8s-app"] != "kube-dns" || p.Status.Phase != "Running" || !strings.HasPrefix(p.Status.PodIP, "10.244.0.") || p.Spec.NodeName != NodeName {
			t.Errorf("CoreDNS pod %s: %v %s %s", p.Name, p.Labels, p.Status.Phase, p.Status.PodIP)
		}
	}
	if tr := podsOf(c, "traefik", "traefik-"); len(tr) != 1 || tr[0].Labels["app.kubernetes.io/name"] != "traefik" {
		t.Errorf("traefik pods: %v", tr)
	}
	// kube-dns endpoints carry the three ports; traefik's named targetPorts
	// resolve to the container ports.
	ks := slicesOf(c, "kube-system", "kube-dns")
	if len(ks) != 1 || len(ks[0].Endpoints) != 2 || len(ks[0].Ports) != 3 {
		t.Fatalf("kube-dns slices: %+v", ks)
	}
	ts := slicesOf(c, "traefik", "traefik")
	if len(ts) != 1 || *ts[0].Ports[0].Port != 8000 || *ts[0].Ports[1].Port != 8443 {
		t.Fatalf("traefik slices: %+v", ts)
	}
	// As on kind: allocateLoadBalancerNodePorts: false, no node ports.
	svc := get(t, c, "svc", "traefik", "traefik")
	for _, p := range []string{"spec.ports[0].nodePort", "spec.ports[1].nodePort"} {
		if n := fieldDots(svc.Object, p); n != "<absent>" {
			t.Errorf("traefik %s = %s, want none", p, n)
		}
	}
}

// fieldDots is field() with dotted label keys: the last segments after a
// "labels"/"annotations" segment are one key.
func fieldDots(obj map[string]any, path string) string {
	for _, m := range []string{".labels.", ".annotations."} {
		if i := strings.Index(path, m); i >= 0 {
			head, k := path[:i+len(m)-1], path[i+len(m):]
			mm, ok := nested(obj, head).(map[string]any)
			if !ok {
				return "<absent>"
			}
			v, ok := mm[k]
			if !ok {
				return "<absent>"
			}
			s, _ := v.(string)
			return s
		}
	}
	return fieldOf(obj, path)
}

func TestDefaulting(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		kind  string
		ns    string
		obj   string
		wants map[string]string
	}{
		{
			name: "namespace label", yaml: shopNS, kind: "Namespace", obj: "shop",
			wants: map[string]string{"metadata.labels.kubernetes.io/metadata.name": "shop", "spec.finalizers[0]": "kubernetes"},
		},
		{
			name: "user cannot override the namespace name label",
			yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {kubernetes.io/metadata.name: b, team: x}}\n", kind: "Namespace", obj: "a",
			wants: map[string]string{"metadata.labels.kubernetes.io/metadata.name": "a", "metadata.labels.team": "x"},
		},
		{
			name: "policyTypes Ingress only without egress rules",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 80}]\n",
			kind: "NetworkPolicy", ns: "shop", obj: "p",
			wants: map[string]string{"spec.policyTypes[0]": "Ingress", "spec.policyTypes[1]": "<absent>", "spec.ingress[0].ports[0].protocol": "TCP", "spec.podSelector": "map[]"},
		},
		{
			name: "policyTypes gets Egress with egress rules",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  egress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53}]\n",
			kind: "NetworkPolicy", ns: "shop", obj: "p",
			wants: map[string]string{"spec.policyTypes[0]": "Ingress", "spec.policyTypes[1]": "Egress", "spec.egress[0].ports[0].protocol": "UDP", "spec.egress[0].ports[1].protocol": "TCP"},
		},
		{
			name: "explicit policyTypes are kept",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
			kind: "NetworkPolicy", ns: "shop", obj: "p",
			wants: map[string]string{"spec.policyTypes[0]": "Egress", "spec.policyTypes[1]": "<absent>"},
		},
		{
			name: "empty ingress list reads back as absent",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: []\n  egress: []\n",
			kind: "NetworkPolicy", ns: "shop", obj: "p",
			wants: map[string]string{"spec.ingress": "<absent>", "spec.egress": "<absent>", "spec.policyTypes[0]": "Ingress", "spec.policyTypes[1]": "<absent>"},
		},
		{
			name: "an empty rule (allow all) stays",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress: [{}]\n",
			kind: "NetworkPolicy", ns: "shop", obj: "p",
			wants: map[string]string{"spec.ingress[0]": "map[]"},
		},
		{
			name: "service defaults",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports:\n  - {name: http, port: 80}\n  - {name: dns, port: 53, protocol: UDP, targetPort: 5353}\n",
			kind: "svc", ns: "shop", obj: "web",
			wants: map[string]string{
				"spec.type": "ClusterIP", "spec.ports[0].protocol": "TCP", "spec.ports[0].targetPort": "80", "spec.ports[1].targetPort": "5353",
				"spec.sessionAffinity": "None", "spec.externalTrafficPolicy": "<absent>", "spec.internalTrafficPolicy": "Cluster",
				"spec.ipFamilies[0]": "IPv4", "spec.ipFamilyPolicy": "SingleStack",
			},
		},
		{
			name: "NodePort gets externalTrafficPolicy Cluster",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n",
			kind: "service", ns: "shop", obj: "web",
			wants: map[string]string{"spec.externalTrafficPolicy": "Cluster", "spec.ports[0].targetPort": "http"},
		},
		{
			name: "LoadBalancer defaults and status",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{port: 80}]\n",
			kind: "services", ns: "shop", obj: "web",
			wants: map[string]string{"spec.externalTrafficPolicy": "Cluster", "spec.allocateLoadBalancerNodePorts": "true", "status.loadBalancer.ingress[0].ip": NodeIP},
		},
		{
			name: "ExternalName has no ClusterIP",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: shop}\nspec:\n  type: ExternalName\n  externalName: example.com\n",
			kind: "Service", ns: "shop", obj: "ext",
			wants: map[string]string{"spec.clusterIP": "<absent>", "spec.clusterIPs": "<absent>", "spec.externalName": "example.com"},
		},
		{
			name: "headless Service",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\nspec:\n  clusterIP: None\n  selector: {app: db}\n",
			kind: "Service", ns: "shop", obj: "db",
			wants: map[string]string{"spec.clusterIP": "None", "spec.clusterIPs[0]": "None"},
		},
		{
			name: "deployment and pod template defaults",
			yaml: shopNS + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]\n",
			kind: "deploy", ns: "shop", obj: "web",
			wants: map[string]string{
				"spec.replicas": "1", "spec.template.spec.containers[0].ports[0].protocol": "TCP", "spec.strategy.type": "RollingUpdate",
				"spec.template.spec.containers[0].imagePullPolicy": "Always", "spec.template.spec.restartPolicy": "Always",
				"status.replicas": "1", "status.readyReplicas": "1", "metadata.generation": "1",
			},
		},
		{
			name: "bare pod defaults",
			yaml: shopNS + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: shop}\nspec:\n  containers: [{name: c, image: busybox:1.37, ports: [{containerPort: 53, protocol: UDP}, {containerPort: 8080}]}]\n",
			kind: "po", ns: "shop", obj: "client",
			wants: map[string]string{
				"spec.containers[0].ports[0].protocol": "UDP", "spec.containers[0].ports[1].protocol": "TCP", "spec.serviceAccountName": "default",
				"spec.containers[0].imagePullPolicy": "IfNotPresent", "spec.nodeName": NodeName, "status.phase": "Running", "status.hostIP": NodeIP,
			},
		},
		{
			name: "ingress gets the default class",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  rules:\n  - http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n",
			kind: "ing", ns: "shop", obj: "web",
			wants: map[string]string{"spec.ingressClassName": "nginx", "status.loadBalancer.ingress[0].ip": NodeIP},
		},
		{
			name: "ingress with the class annotation is left alone, and served when it names a class of Traefik's",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop, annotations: {kubernetes.io/ingress.class: traefik}}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n",
			kind: "Ingress", ns: "shop", obj: "web",
			wants: map[string]string{"spec.ingressClassName": "<absent>", "status.loadBalancer.ingress[0].ip": NodeIP},
		},
		{
			name: "ingress with the class annotation of another controller gets no address",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop, annotations: {kubernetes.io/ingress.class: haproxy}}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n",
			kind: "Ingress", ns: "shop", obj: "web",
			wants: map[string]string{"spec.ingressClassName": "<absent>", "status.loadBalancer": "map[]"},
		},
		{
			name: "ingress of class traefik is served",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  ingressClassName: traefik\n  defaultBackend: {service: {name: web, port: {name: http}}}\n",
			kind: "Ingress", ns: "shop", obj: "web",
			wants: map[string]string{"spec.ingressClassName": "traefik", "status.loadBalancer.ingress[0].ip": NodeIP},
		},
		{
			name: "ingress of another class keeps it and gets no address",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  ingressClassName: haproxy\n  defaultBackend: {service: {name: web, port: {name: http}}}\n",
			kind: "Ingress", ns: "shop", obj: "web",
			wants: map[string]string{"spec.ingressClassName": "haproxy", "status.loadBalancer": "map[]"},
		},
		{
			name: "secret stringData",
			yaml: shopNS + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\nstringData: {password: hunter2}\n",
			kind: "Secret", ns: "shop", obj: "s",
			wants: map[string]string{"type": "Opaque", "data.password": "aHVudGVyMg==", "stringData": "<absent>"},
		},
		{
			name: "objects without a namespace go to the default namespace",
			yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n",
			kind: "cm", ns: "default", obj: "cfg",
			wants: map[string]string{"metadata.namespace": "default", "data.a": "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			applyYAML(t, c, tt.yaml)
			u := get(t, c, tt.kind, tt.ns, tt.obj)
			for path, want := range tt.wants {
				if got := fieldDots(u.Object, path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup string // applied first, must succeed
		yaml  string // applied as answer.yaml, must fail
		want  []string
		line  int // line of the first error in answer.yaml (0: don't check)
	}{
		{
			name: "namespace not found",
			yaml: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  ports: [{port: 80}]\n",
			want: []string{`answer.yaml: document 1 (Service shop/web), line 5: namespaces "shop" not found`}, line: 5,
		},
		{
			name: "namespace not found via the default namespace",
			yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n",
			want: []string{`(ConfigMap lab/cfg)`, `namespaces "lab" not found`},
		},
		{
			name: "invalid object name",
			yaml: shopNS + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: Web_App, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx:1.27}]}\n",
			want: []string{`document 2 (Deployment shop/Web_App), line 7: metadata.name: Invalid value: "Web_App": a lowercase RFC 1123 subdomain`}, line: 7,
		},
		{
			name: "service name must be a DNS-1035 label",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: 1web, namespace: shop}\nspec:\n  ports: [{port: 80}]\n",
			want: []string{`metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character`},
		},
		{
			name: "service port without a number",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports:\n  - name: http\n    targetPort: 8080\n",
			want: []string{`line 10: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`}, line: 10,
		},
		{
			name: "service without ports",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n",
			want: []string{`spec.ports: Required value`},
		},
		{
			name: "duplicate service ports",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 80}\n",
			want: []string{`line 11: spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}`}, line: 11,
		},
		{
			name: "ports need names when there are several",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports:\n  - {port: 80}\n  - {port: 443}\n",
			want: []string{`spec.ports[0].name: Required value`, `spec.ports[1].name: Required value`},
		},
		{
			name: "nodePort out of range",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 8080\n",
			want: []string{`line 12: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767`}, line: 12,
		},
		{
			name: "nodePort on a ClusterIP Service",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: 80, nodePort: 30080}]\n",
			want: []string{"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
		},
		{
			name:  "nodePort already allocated",
			setup: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 30080}]\n",
			yaml:  "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: shop}\nspec:\n  type: NodePort\n  ports:\n  - port: 81\n    nodePort: 30080\n",
			want:  []string{`(Service shop/b), line 8: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated (to Service shop/a)`}, line: 8,
		},
		{
			name: "nodePort conflict inside one apply",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 30080}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: shop}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80, nodePort: 30080}]\n",
			want: []string{`document 3 (Service shop/b)`, `provided port is already allocated (to Service shop/a)`},
		},
		{
			name: "clusterIP outside the service range",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: 10.0.0.10\n  ports: [{port: 80}]\n",
			want: []string{`line 9: spec.clusterIPs: Invalid value: ["10.0.0.10"]: failed to allocate IP 10.0.0.10: the provided IP (10.0.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/16`}, line: 9,
		},
		{
			name: "clusterIP already allocated",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: 10.96.0.10\n  ports: [{port: 80}]\n",
			want: []string{`failed to allocate IP 10.96.0.10: provided IP is already allocated (to Service kube-system/kube-dns)`},
		},
		{
			name: "clusterIP not an IP",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: ten\n  ports: [{port: 80}]\n",
			want: []string{`spec.clusterIPs[0]: Invalid value: "ten": must be a valid IP address`},
		},
		{
			name:  "clusterIP may not change",
			setup: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80}]\n",
			yaml:  "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: 10.96.0.51\n  ports: [{port: 80}]\n",
			want:  []string{`spec.clusterIPs[0]: Invalid value: "10.96.0.51": may not change once set`},
		},
		{
			name: "ExternalName needs externalName",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: shop}\nspec:\n  type: ExternalName\n",
			want: []string{`spec.externalName: Required value`},
		},
		{
			name: "ExternalName must be a DNS name",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: shop}\nspec:\n  type: ExternalName\n  externalName: https://example.com\n",
			want: []string{`spec.externalName: Invalid value: "https://example.com": a lowercase RFC 1123 subdomain`},
		},
		{
			name: "headless NodePort",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  clusterIP: None\n  ports: [{port: 80}]\n",
			want: []string{`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`},
		},
		{
			name: "bad service type and targetPort",
			yaml: shopNS + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: Nodeport\n  ports: [{port: 80, targetPort: http_port}]\n",
			want: []string{`spec.type: Unsupported value: "Nodeport": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`, `spec.ports[0].targetPort: Invalid value: "http_port"`},
		},
		{
			name: "deployment selector does not match template labels",
			yaml: shopNS + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: frontend}\n    spec: {containers: [{name: web, image: nginx:1.27}]}\n",
			want: []string{"line 12: spec.template.metadata.labels: Invalid value: {\"app\":\"frontend\"}: `selector` does not match template `labels`"}, line: 12,
		},
		{
			name: "deployment without selector",
			yaml: shopNS + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx:1.27}]}\n",
			want: []string{`spec.selector: Required value`},
		},
		{
			name:  "deployment selector is immutable",
			setup: shopNS + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx:1.27}]}\n",
			yaml:  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web2}}\n  template:\n    metadata: {labels: {app: web2}}\n    spec: {containers: [{name: web, image: nginx:1.27}]}\n",
			want:  []string{`spec.selector: Invalid value: {"matchLabels":{"app":"web2"}}: field is immutable`},
		},
		{
			name: "container without image and duplicate port names",
			yaml: shopNS + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: a\n    ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]\n",
			want: []string{`spec.containers[0].image: Required value`, `spec.containers[0].ports[1].name: Duplicate value: "http"`},
		},
		{
			name: "endPort with a named port",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  egress:\n  - ports:\n    - port: http\n      endPort: 90\n",
			want: []string{"line 13: spec.egress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric"}, line: 13,
		},
		{
			name: "endPort below port",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 32000, endPort: 31000}]\n",
			want: []string{"spec.ingress[0].ports[0].endPort: Invalid value: 31000: must be greater than or equal to `port`"},
		},
		{
			name: "endPort without port",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{endPort: 31000}]\n",
			want: []string{"may not be specified when `port` is not specified"},
		},
		{
			name: "invalid CIDR",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: 172.17.0.0/33\n",
			want: []string{`line 13: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "172.17.0.0/33": must be a valid CIDR value`}, line: 13,
		},
		{
			name: "except outside the cidr",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24, 10.0.0.0/8, 172.17.0.0/16]}\n",
			want: []string{"spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`", "except[2]: Invalid value: \"172.17.0.0/16\": must be a strict subset of `cidr`"},
		},
		{
			name: "ipBlock with a selector in the same peer",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n",
			want: []string{"spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"},
		},
		{
			name: "bad policy type and protocol",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [ingress]\n  ingress:\n  - ports: [{port: 80, protocol: tcp}]\n",
			want: []string{`spec.policyTypes[0]: Unsupported value: "ingress"`, `spec.ingress[0].ports[0].protocol: Unsupported value: "tcp"`},
		},
		{
			name: "ingress path without pathType",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - path: /\n        backend: {service: {name: web, port: {number: 80}}}\n",
			want: []string{`line 13: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified`}, line: 13,
		},
		{
			name: "ingress relative path",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  rules:\n  - http:\n      paths:\n      - {path: api, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n",
			want: []string{`spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path`},
		},
		{
			name: "ingress backend without port and service name",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  rules:\n  - http:\n      paths:\n      - {path: /, pathType: Exact, backend: {service: {name: ''}}}\n",
			want: []string{`spec.rules[0].http.paths[0].backend.service.name: Required value`, `spec.rules[0].http.paths[0].backend: Required value: port name or number is required`},
		},
		{
			name: "ingress host that is an IP, and no rules",
			yaml: shopNS + "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, namespace: shop}\nspec:\n  rules:\n  - host: 10.0.0.1\n    http:\n      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: b, namespace: shop}\nspec: {}\n",
			want: []string{`spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address`, "(Ingress shop/b)", "spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"},
		},
		{
			name: "two pods asking for the same IP",
			yaml: shopNS + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop}\nspec: {containers: [{name: c, image: busybox:1.37}]}\nstatus: {podIP: 172.17.1.5}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: shop}\nspec: {containers: [{name: c, image: busybox:1.37}]}\nstatus: {podIP: 172.17.1.5}\n",
			want: []string{`(Pod shop/b)`, `status.podIP: Invalid value: "172.17.1.5": already the IP of pod shop/a`},
		},
		{
			name: "label value too long and bad label key",
			yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  labels: {\"bad key\": x}\n",
			want: []string{`metadata.labels: Invalid value: "bad key"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			if tt.setup != "" {
				applyYAML(t, c, tt.setup)
			}
			before := c.Objects()
			err := c.Apply(decode(t, "answer.yaml", tt.yaml), "lab")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n  %v\nlacks\n  %s", err, w)
				}
			}
			var me *manifest.Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T is not a *manifest.Error", err)
			}
			if tt.line != 0 && me.Line() != tt.line {
				t.Errorf("line %d, want %d", me.Line(), tt.line)
			}
			// A failed Apply changes nothing.
			after := c.Objects()
			if len(after.Namespaces) != len(before.Namespaces) || len(after.Services) != len(before.Services) || len(after.Pods) != len(before.Pods) {
				t.Errorf("failed apply changed the cluster")
			}
		})
	}
}

func TestNamespaceInSameApplyInAnyOrder(t *testing.T) {
	c := New()
	applyYAML(t, c, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  ports: [{port: 80}]\n---\n"+shopNS)
	get(t, c, "svc", "shop", "web")
}

func TestBuild(t *testing.T) {
	setup := decode(t, "lab.toml (setup)", shopNS+"---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n")
	answer := decode(t, "answer.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, nodePort: 30080}]\n")
	c, err := Build(setup, answer, "shop")
	if err != nil {
		t.Fatal(err)
	}
	u := get(t, c, "svc", "shop", "web")
	if fieldU(u, "spec.type") != "NodePort" || fieldU(u, "spec.ports[0].nodePort") != "30080" {
		t.Errorf("the answer did not replace the setup's Service: %v", u.Object["spec"])
	}
	// Replacing keeps the ClusterIP allocated at creation.
	c2, _ := Build(setup, nil, "shop")
	if a, b := fieldU(u, "spec.clusterIP"), fieldU(get(t, c2, "svc", "shop", "web"), "spec.clusterIP"); a != b {
		t.Errorf("ClusterIP changed on replace: %s vs %s", a, b)
	}

	_, err = Build(decode(t, "lab.toml (setup)", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nope}\n"), nil, "shop")
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "setup" || !strings.HasPrefix(err.Error(), "applying the lab's setup manifests: lab.toml (setup): document 1 (ConfigMap nope/x)") {
		t.Errorf("setup failure: %v", err)
	}
	bad := decode(t, "answer.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 0}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {}\n")
	_, err = Build(setup, bad, "shop")
	if !errors.As(err, &se) || se.Stage != "answers" || !strings.HasPrefix(err.Error(), "applying the answer manifests failed:\n  answer.yaml: document 1 (Service shop/a)") ||
		!strings.Contains(err.Error(), "\n  answer.yaml: document 2 (Service shop/b)") {
		t.Errorf("answer failure: %v", err)
	}
}

func nested(obj map[string]any, path string) any {
	var cur any = obj
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func TestApplyRejectsObjectsThatDoNotFit(t *testing.T) {
	tests := []struct {
		name string
		obj  manifest.Object
		want string
	}{
		{"no object", manifest.Object{Kind: "Service", Name: "a", Origin: manifest.Origin{File: "x.yaml", Document: 1}}, "x.yaml: document 1 (Service a): no object"},
		{"kind and type differ", manifest.Object{Kind: "Service", Name: "a", Obj: &corev1.Pod{}}, "kind Service does not match the object (*v1.Pod)"},
		{"nodes cannot be applied", manifest.Object{Kind: "Node", Name: "n", Obj: &corev1.Node{}}, `kind "Node" cannot be applied`},
		{"unknown kind", manifest.Object{Kind: "Job", Name: "j", Obj: &corev1.Pod{}}, `kind "Job" cannot be applied`},
	}
	for _, tt := range tests {
		err := New().Apply([]manifest.Object{tt.obj}, "default")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestNewestDefaultIngressClassWins(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: haproxy
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: haproxy.org/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
`)
	u := get(t, c, "ing", "default", "web")
	if fieldU(u, "spec.ingressClassName") != "haproxy" || fieldU(u, "status.loadBalancer") != "map[]" {
		t.Errorf("ingress: %v %v", u.Object["spec"], u.Object["status"])
	}
}

// TestIngressUpdatedWithoutClass: the DefaultIngressClass admission
// plugin fills in the class on create only; kubectl apply or edit that
// drops the class from an existing Ingress leaves it without one (and no
// controller serves it), as measured live.
func TestIngressUpdatedWithoutClass(t *testing.T) {
	ing := "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n%s  defaultBackend: {service: {name: web, port: {number: 80}}}\n"
	c := New()
	applyYAML(t, c, shopNS+fmt.Sprintf(ing, "  ingressClassName: haproxy\n"))
	applyYAML(t, c, fmt.Sprintf(ing, ""))
	u := get(t, c, "ing", "shop", "web")
	if got := fieldU(u, "spec.ingressClassName"); got != "<absent>" {
		t.Errorf("class after the update = %s, want none", got)
	}
	if got := fieldU(u, "status.loadBalancer"); got != "map[]" {
		t.Errorf("a class-less Ingress got an address: %s", got)
	}
	// created without a class: the default class
	c = New()
	applyYAML(t, c, shopNS+fmt.Sprintf(ing, ""))
	if got := fieldU(get(t, c, "ing", "shop", "web"), "spec.ingressClassName"); got != "nginx" {
		t.Errorf("class on create = %s, want nginx", got)
	}
}
