package offline

import (
	"context"
	"net/netip"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/cluster"
	corev1 "k8s.io/api/core/v1"
)

const webApp = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{name: http, containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
`

func podNamesIPs(c *Cluster, ns string) map[string]string {
	out := map[string]string{}
	for _, p := range c.Objects().Pods {
		if p.Namespace == ns {
			out[p.Name] = p.Status.PodIP
		}
	}
	return out
}

func TestDeploymentPodsAreDeterministic(t *testing.T) {
	a, b := New(), New()
	applyYAML(t, a, webApp)
	applyYAML(t, b, webApp)
	pa, pb := podNamesIPs(a, "shop"), podNamesIPs(b, "shop")
	if len(pa) != 3 || !reflect.DeepEqual(pa, pb) {
		t.Fatalf("pods differ between two identical clusters:\n%v\n%v", pa, pb)
	}
	rsName := regexp.MustCompile(`^web-[bcdfghjklmnpqrstvwxz2456789]{10}$`)
	podName := regexp.MustCompile(`^(web-[bcdfghjklmnpqrstvwxz2456789]{10})-[bcdfghjklmnpqrstvwxz2456789]{5}$`)
	var rs string
	ips := map[string]bool{}
	for name, ip := range pa {
		m := podName.FindStringSubmatch(name)
		if m == nil {
			t.Fatalf("pod name %q is not <deploy>-<10-char hash>-<5 chars>", name)
		}
		if rs != "" && m[1] != rs {
			t.Errorf("pods of one Deployment in two ReplicaSets: %s %s", rs, m[1])
		}
		rs = m[1]
		addr := netip.MustParseAddr(ip)
		if !netip.MustParsePrefix("10.244.0.0/24").Contains(addr) || ips[ip] {
			t.Errorf("pod %s IP %s not unique in 10.244.0.0/24", name, ip)
		}
		ips[ip] = true
	}
	if !rsName.MatchString(rs) {
		t.Errorf("ReplicaSet name %q", rs)
	}
	u := get(t, a, "rs", "shop", rs)
	if fieldU(u, "metadata.ownerReferences[0].name") != "web" || fieldU(u, "status.readyReplicas") != "3" ||
		fieldU(u, "spec.selector.matchLabels.pod-template-hash") != strings.TrimPrefix(rs, "web-") {
		t.Errorf("ReplicaSet: %v", u.Object)
	}
	for name := range pa {
		p := get(t, a, "pod", "shop", name)
		if fieldU(p, "metadata.labels.tier") != "front" || fieldU(p, "metadata.ownerReferences[0].kind") != "ReplicaSet" ||
			fieldU(p, "status.conditions[2].type") != "Ready" || fieldU(p, "status.conditions[2].status") != "True" ||
			fieldU(p, "status.podIPs[0].ip") != fieldU(p, "status.podIP") || fieldU(p, "status.hostIP") != NodeIP {
			t.Errorf("pod %s: %v", name, p.Object["status"])
		}
	}
}

func TestPodIPsStayAcrossApplies(t *testing.T) {
	c := New()
	applyYAML(t, c, webApp)
	before := podNamesIPs(c, "shop")
	system := podNamesIPs(c, "kube-system")
	// A new pod and a new Deployment do not move anyone.
	applyYAML(t, c, `apiVersion: v1
kind: Pod
metadata: {name: aaa-client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c, image: busybox:1.37}]}
`)
	after := podNamesIPs(c, "shop")
	for name, ip := range before {
		if after[name] != ip {
			t.Errorf("pod %s moved from %s to %s", name, ip, after[name])
		}
	}
	if !reflect.DeepEqual(system, podNamesIPs(c, "kube-system")) {
		t.Error("system pods moved")
	}
	if ip := after["aaa-client"]; ip == "" {
		t.Error("new pod has no IP")
	}
}

func TestTemplateChangeRollsPodsAndEndpoints(t *testing.T) {
	c := New()
	applyYAML(t, c, webApp)
	old := podNamesIPs(c, "shop")
	// Changing a template label rolls out new pods.
	changed := strings.Replace(webApp, "labels: {app: web, tier: front}", "labels: {app: web, tier: back}", 1)
	applyYAML(t, c, changed)
	now := podNamesIPs(c, "shop")
	if len(now) != 3 {
		t.Fatalf("%d pods after the template change", len(now))
	}
	for name := range now {
		if _, was := old[name]; was {
			t.Errorf("pod %s survived a template change", name)
		}
	}
	sl := slicesOf(c, "shop", "web")
	if len(sl) != 1 || len(sl[0].Endpoints) != 3 {
		t.Fatalf("slices after the change: %+v", sl)
	}
	for _, e := range sl[0].Endpoints {
		if _, ok := now[e.TargetRef.Name]; !ok {
			t.Errorf("endpoint points at old pod %s", e.TargetRef.Name)
		}
	}
	// Changing the Service's selector empties its endpoints.
	applyYAML(t, c, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {app: nothing}\n  ports: [{name: http, port: 8080, targetPort: http}]\n")
	sl = slicesOf(c, "shop", "web")
	if len(sl) != 1 || len(sl[0].Endpoints) != 0 {
		t.Errorf("slices after selector change: %+v", sl)
	}
	if _, err := c.Get(context.Background(), cluster.ObjectRef{Kind: "ep", Namespace: "shop", Name: "web"}); err != nil {
		t.Error(err)
	}
}

func TestOtherControllers(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: v1
kind: Namespace
metadata: {name: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: db}
spec:
  serviceName: redis
  replicas: 3
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec: {containers: [{name: redis, image: redis:7, ports: [{name: redis, containerPort: 6379}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: db}
spec:
  clusterIP: None
  selector: {app: redis}
  ports: [{port: 6379}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: db}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: busybox:1.37}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: gpu, namespace: db}
spec:
  selector: {matchLabels: {app: gpu}}
  template:
    metadata: {labels: {app: gpu}}
    spec:
      nodeSelector: {gpu: "true"}
      containers: [{name: a, image: busybox:1.37}]
---
apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: db, labels: {app: redis-client}}
spec: {containers: [{name: c, image: busybox:1.37}]}
status: {podIP: 172.17.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: db, labels: {app: redis}}
spec:
  nodeName: node01
  containers: [{name: c, image: busybox:1.37}]
---
apiVersion: v1
kind: Pod
metadata: {name: notready, namespace: db, labels: {app: redis}}
spec: {containers: [{name: c, image: redis:7}]}
status:
  conditions: [{type: Ready, status: "False"}]
---
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: db}
spec:
  hostNetwork: true
  containers: [{name: c, image: busybox:1.37}]
`)
	pods := map[string]corev1.Pod{}
	for _, p := range c.Objects().Pods {
		if p.Namespace == "db" {
			pods[p.Name] = p
		}
	}
	for i, name := range []string{"redis-0", "redis-1", "redis-2"} {
		p, ok := pods[name]
		if !ok {
			t.Fatalf("no pod %s", name)
		}
		if p.Spec.Hostname != name || p.Spec.Subdomain != "redis" || p.Labels["apps.kubernetes.io/pod-index"] != string(rune('0'+i)) {
			t.Errorf("%s: hostname %q subdomain %q labels %v", name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels)
		}
	}
	var agents []string
	for name := range pods {
		if strings.HasPrefix(name, "agent-") {
			agents = append(agents, name)
		}
		if strings.HasPrefix(name, "gpu-") {
			t.Errorf("DaemonSet with an unmatched nodeSelector ran %s", name)
		}
	}
	if len(agents) != 1 || len(agents[0]) != len("agent-")+5 {
		t.Errorf("DaemonSet pods: %v", agents)
	}
	if ds := get(t, c, "ds", "db", "gpu"); fieldU(ds, "status.desiredNumberScheduled") != "0" {
		t.Errorf("gpu DaemonSet desires %s pods", fieldU(ds, "status.desiredNumberScheduled"))
	}
	if p := pods["pinned"]; p.Status.PodIP != "172.17.1.5" || p.Status.Phase != corev1.PodRunning {
		t.Errorf("pinned pod: %s %s", p.Status.PodIP, p.Status.Phase)
	}
	if p := pods["elsewhere"]; p.Status.Phase != corev1.PodPending || p.Status.PodIP != "" || !strings.Contains(p.Status.Conditions[0].Message, `node "node01" does not exist`) {
		t.Errorf("pod for another node: %+v", p.Status)
	}
	if p := pods["host"]; p.Status.PodIP != NodeIP {
		t.Errorf("hostNetwork pod IP %s", p.Status.PodIP)
	}
	sts := get(t, c, "sts", "db", "redis")
	if fieldU(sts, "status.readyReplicas") != "3" || fieldU(sts, "spec.podManagementPolicy") != "OrderedReady" {
		t.Errorf("StatefulSet status %v", sts.Object["status"])
	}

	// Headless Service: endpoints with hostnames; the not-ready pod is
	// listed as not ready, the pending one not at all.
	sl := slicesOf(c, "db", "redis")
	if len(sl) != 1 {
		t.Fatalf("redis slices: %+v", sl)
	}
	got := map[string]string{}
	for _, e := range sl[0].Endpoints {
		s := "ready"
		if !*e.Conditions.Ready {
			s = "not-ready"
		}
		if e.Hostname != nil {
			s += " host=" + *e.Hostname
		}
		got[e.TargetRef.Name] = s
	}
	want := map[string]string{"redis-0": "ready host=redis-0", "redis-1": "ready host=redis-1", "redis-2": "ready host=redis-2", "notready": "not-ready"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoints %v, want %v", got, want)
	}
	if sl[0].Labels[corev1.IsHeadlessService] != "" || sl[0].Labels["kubernetes.io/service-name"] != "redis" {
		t.Errorf("slice labels %v", sl[0].Labels)
	}
	ep := get(t, c, "endpoints", "db", "redis")
	if fieldU(ep, "subsets[0].notReadyAddresses[0].targetRef.name") != "notready" {
		t.Errorf("Endpoints: %v", ep.Object["subsets"])
	}
}

func TestStatefulSetOrderedReadyStopsAtAPendingPod(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  replicas: 3
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: c, image: busybox:1.37}]
`)
	var names []string
	for _, p := range c.Objects().Pods {
		if p.Namespace == "default" {
			names = append(names, p.Name+"="+string(p.Status.Phase))
		}
	}
	if !reflect.DeepEqual(names, []string{"s-0=Pending"}) {
		t.Errorf("pods %v", names)
	}
}

func TestEndpointsForNamedTargetPorts(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.66.1, ports: [{name: http, containerPort: 9090}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx:1.27, ports: [{name: web, containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx:1.27, ports: [{name: http, containerPort: 8080, protocol: UDP}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9100, targetPort: 9100}
`)
	// Pods a (8080) and b (9090) resolve "http" differently; c and d
	// (wrong name, wrong protocol) do not resolve it and keep only the
	// numeric port.
	got := map[string]string{}
	for _, s := range slicesOf(c, "shop", "web") {
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, *p.Name+":"+itoa(*p.Port)+"/"+string(*p.Protocol))
		}
		sort.Strings(ports)
		for _, e := range s.Endpoints {
			got[e.TargetRef.Name] = strings.Join(ports, ",")
		}
		if !regexp.MustCompile(`^web-[a-z0-9]{5}$`).MatchString(s.Name) || s.OwnerReferences[0].Name != "web" {
			t.Errorf("slice %s owners %v", s.Name, s.OwnerReferences)
		}
	}
	want := map[string]string{
		"a": "http:8080/TCP,metrics:9100/TCP",
		"b": "http:9090/TCP,metrics:9100/TCP",
		"c": "metrics:9100/TCP",
		"d": "metrics:9100/TCP",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("endpoint ports\n got %v\nwant %v", got, want)
	}
	if n := len(slicesOf(c, "shop", "web")); n != 3 {
		t.Errorf("%d slices, want 3 (one per port mapping)", n)
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func TestMirroredEndpoints(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: v1
kind: Service
metadata: {name: legacy}
spec:
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy}
subsets:
- addresses: [{ip: 192.168.10.5}]
  ports: [{port: 5432}]
`)
	sl := slicesOf(c, "default", "legacy")
	if len(sl) != 1 || sl[0].Endpoints[0].Addresses[0] != "192.168.10.5" || *sl[0].Ports[0].Port != 5432 ||
		sl[0].Labels["endpointslice.kubernetes.io/managed-by"] != "endpointslicemirroring-controller.k8s.io" {
		t.Errorf("mirrored slices: %+v", sl)
	}
}

func TestNodePorts(t *testing.T) {
	c := New()
	applyYAML(t, c, `apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: NodePort
  selector: {app: a}
  ports:
  - {name: http, port: 80}
  - {name: dns, port: 53, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: NodePort
  selector: {app: b}
  ports:
  - {port: 80, nodePort: 30080}
`)
	a := get(t, c, "svc", "default", "a")
	p0, p1 := fieldU(a, "spec.ports[0].nodePort"), fieldU(a, "spec.ports[1].nodePort")
	for _, p := range []string{p0, p1} {
		if len(p) != 5 || p < "30086" || p > "32767" {
			t.Errorf("allocated node port %s outside the dynamic band", p)
		}
	}
	ip := fieldU(a, "spec.clusterIP")
	if !netip.MustParsePrefix("10.96.0.0/16").Contains(netip.MustParseAddr(ip)) || strings.HasPrefix(ip, "10.96.0.") {
		t.Errorf("allocated ClusterIP %s (want 10.96.0.0/16 above the static band)", ip)
	}
	// Re-applying without node ports keeps them (kubectl apply); the same
	// port on another protocol is a different port.
	applyYAML(t, c, `apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: NodePort
  selector: {app: a2}
  ports:
  - {name: http, port: 80}
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP, nodePort: 30053}
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec:
  type: NodePort
  ports: [{port: 53, protocol: UDP, nodePort: 30080}]
`)
	a = get(t, c, "svc", "default", "a")
	if fieldU(a, "spec.ports[0].nodePort") != p0 || fieldU(a, "spec.ports[1].nodePort") != p1 || fieldU(a, "spec.clusterIP") != ip {
		t.Errorf("re-apply moved the allocated values: %v", a.Object["spec"])
	}
	if fieldU(a, "metadata.generation") != "2" {
		t.Errorf("generation %s after a spec change", fieldU(a, "metadata.generation"))
	}
	// Turning it into a ClusterIP Service releases its node ports.
	applyYAML(t, c, "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  selector: {app: a}\n  ports: [{port: 80}]\n")
	if a = get(t, c, "svc", "default", "a"); fieldU(a, "spec.ports[0].nodePort") != "<absent>" || fieldU(a, "spec.clusterIP") != ip {
		t.Errorf("ClusterIP service: %v", a.Object["spec"])
	}
	applyYAML(t, c, "apiVersion: v1\nkind: Service\nmetadata: {name: d}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: "+p0+"}]\n")
}

func TestGetKindsAndNamespaces(t *testing.T) {
	c := New()
	applyYAML(t, c, webApp+"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 8080}}}\n")
	pod := ""
	for name := range podNamesIPs(c, "shop") {
		pod = name
	}
	tests := []struct {
		kind, ns, name string
		wantKind       string
	}{
		{"Service", "shop", "web", "Service"},
		{"service", "shop", "web", "Service"},
		{"svc", "shop", "web", "Service"},
		{"services", "shop", "web", "Service"},
		{"netpol", "shop", "deny", "NetworkPolicy"},
		{"networkpolicies", "shop", "deny", "NetworkPolicy"},
		{"ing", "shop", "web", "Ingress"},
		{"ingresses.networking.k8s.io", "shop", "web", "Ingress"},
		{"deploy", "shop", "web", "Deployment"},
		{"deployments.apps", "shop", "web", "Deployment"},
		{"po", "shop", pod, "Pod"},
		{"ns", "", "shop", "Namespace"},
		{"ns", "ignored", "shop", "Namespace"},
		{"ep", "shop", "web", "Endpoints"},
		{"ingressclass", "", "traefik", "IngressClass"},
		{"node", "", NodeName, "Node"},
		{"no", "", NodeName, "Node"},
		{"sa", "shop", "default", "ServiceAccount"},
		{"svc", "", "kubernetes", "Service"},
	}
	for _, tt := range tests {
		u, err := c.Get(context.Background(), cluster.ObjectRef{Kind: tt.kind, Namespace: tt.ns, Name: tt.name})
		if err != nil {
			t.Errorf("Get(%s %s/%s): %v", tt.kind, tt.ns, tt.name, err)
			continue
		}
		if u.GetKind() != tt.wantKind || u.GetName() != tt.name {
			t.Errorf("Get(%s %s/%s) = %s %s", tt.kind, tt.ns, tt.name, u.GetKind(), u.GetName())
		}
	}
	for _, ref := range []cluster.ObjectRef{
		{Kind: "svc", Namespace: "default", Name: "web"},
		{Kind: "Service", Namespace: "shop", Name: "nope"},
		{Kind: "ns", Name: "nope"},
	} {
		_, err := c.Get(context.Background(), ref)
		if !isNotFound(err) {
			t.Errorf("Get(%v): %v, want not found", ref, err)
		}
	}
	_, err := c.Get(context.Background(), cluster.ObjectRef{Kind: "svc", Namespace: "shop", Name: "nope"})
	if err == nil || err.Error() != `services "nope" not found in namespace "shop"` {
		t.Errorf("message: %v", err)
	}
	if _, err := c.Get(context.Background(), cluster.ObjectRef{Kind: "cronjob", Name: "x"}); err == nil || isNotFound(err) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestNodeCapacity(t *testing.T) {
	c := New()
	applyYAML(t, c, strings.Replace(webApp, "replicas: 3", "replicas: 200000000", 1))
	running, pending := 0, 0
	for _, p := range c.Objects().Pods {
		switch p.Status.Phase {
		case corev1.PodRunning:
			running++
		case corev1.PodPending:
			pending++
			if p.Status.PodIP != "" || !strings.Contains(p.Status.Conditions[0].Message, "Too many pods") {
				t.Fatalf("pending pod %s: %+v", p.Name, p.Status)
			}
		}
	}
	if running != maxPodsPerNode || running+pending != 3+maxPodsPerWorkload {
		t.Errorf("%d running, %d pending", running, pending)
	}
	d := get(t, c, "deploy", "shop", "web")
	if fieldU(d, "status.readyReplicas") != itoa(maxPodsPerNode-3) || fieldU(d, "status.conditions[0].status") != "False" {
		t.Errorf("deployment status %v", d.Object["status"])
	}
}
