package difftest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ckadlab/ckadlab/netmodel"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kube-network-policies/pkg/api"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
	"sigs.k8s.io/yaml"
)

// TestDifferentialKubeNetworkPolicies generates random worlds (namespaces,
// pods, API-defaulted NetworkPolicies) and checks that netmodel's verdict
// for every packet between pods and hosts equals the verdict of
// kube-network-policies, direction by direction, through Policy and through
// PolicyMatrix. Some pods are pinned at addresses outside the pod network
// (as labs place VMs): live no pod has such an address, so
// kube-network-policies sees a host there, and the model must too.
func TestDifferentialKubeNetworkPolicies(t *testing.T) {
	base := uint64(time.Now().UnixNano())
	if s := os.Getenv("CKADLAB_DIFFTEST_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CKADLAB_DIFFTEST_SEED=%q: %v", s, err)
		}
		base = v
	}
	worlds := 300
	if testing.Short() {
		worlds = 40
	}
	if s := os.Getenv("CKADLAB_DIFFTEST_WORLDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("CKADLAB_DIFFTEST_WORLDS=%q: want a positive number", s)
		}
		worlds = v
	}
	t.Logf("base seed %d (CKADLAB_DIFFTEST_SEED), %d worlds", base, worlds)
	var st stats
	for w := 0; w < worlds; w++ {
		seed := base + uint64(w)
		if !checkWorld(t, seed, &st) {
			t.Fatalf("world seed %d disagrees; reproduce with CKADLAB_DIFFTEST_SEED=%d CKADLAB_DIFFTEST_WORLDS=1 go test ./netmodel/difftest", seed, seed)
		}
	}
	t.Logf("%d packets compared (%d allowed, %d denied; %d with a non-pod end), %d matrix cells, %d policies, %d pinned pods in %d worlds",
		st.cases, st.allowed, st.cases-st.allowed, st.hostCases, st.cells, st.policies, st.pinned, worlds)
	if st.pinned == 0 {
		t.Fatal("generator made no pod pinned outside the pod network")
	}
	if st.allowed == 0 || st.allowed == st.cases {
		t.Fatalf("generator is degenerate: %d of %d packets allowed", st.allowed, st.cases)
	}
}

type stats struct {
	cases, allowed, hostCases, cells, policies, pinned int
}

// end is one end of a packet in both vocabularies.
type end struct {
	pod  *corev1.Pod  // the pod netmodel is given (also a pinned one)
	info *api.PodInfo // nil for hosts, pinned pods included
	addr netip.Addr
	ip   net.IP
}

func (e end) String() string {
	switch {
	case e.pod != nil && e.info == nil:
		return "pinned pod " + e.pod.Namespace + "/" + e.pod.Name + " (host " + e.addr.String() + ")"
	case e.pod != nil:
		return "pod " + e.pod.Namespace + "/" + e.pod.Name + " (" + e.addr.String() + ")"
	}
	return e.addr.String()
}

// podNetwork is the generated worlds' pod network; pods pinned outside it
// are hosts.
var podNetwork = netip.MustParsePrefix("10.244.0.0/16")

type packet struct {
	port  int
	proto corev1.Protocol
}

// checkWorld builds one world and compares every packet; it reports false
// after logging the first disagreement.
func checkWorld(t *testing.T, seed uint64, st *stats) bool {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0x6e6574706f6c))
	o := genWorld(r)
	m := netmodel.New(o, netmodel.Options{PodNetwork: []netip.Prefix{podNetwork}})
	st.policies += len(o.NetworkPolicies)

	nsLabels := map[string]map[string]string{}
	for _, ns := range o.Namespaces {
		nsLabels[ns.Name] = ns.Labels
	}
	var pods, ends []end
	for _, p := range m.Pods() {
		e := end{pod: p, addr: netip.MustParseAddr(p.Status.PodIP)}
		if podNetwork.Contains(e.addr) {
			e.info = api.NewPodInfo(p, nsLabels[p.Namespace], nil, "")
		} else {
			st.pinned++
			if !m.IsHost(p) {
				t.Errorf("seed %d: pod %s/%s at %s outside the pod network is not a host to the model", seed, p.Namespace, p.Name, e.addr)
				return false
			}
		}
		e.ip = net.IP(e.addr.AsSlice())
		pods = append(pods, e)
	}
	ends = append(ends, pods...)
	for _, h := range hostPool {
		a := netip.MustParseAddr(h)
		ends = append(ends, end{addr: a, ip: net.IP(a.AsSlice())})
	}
	pols := make([]*networkingv1.NetworkPolicy, len(o.NetworkPolicies))
	for i := range o.NetworkPolicies {
		pols[i] = &o.NetworkPolicies[i]
	}
	packets := genPackets(r, o)
	ctx := context.Background()
	fail := func(format string, a ...any) bool {
		t.Errorf("seed %d: "+format, append([]any{seed}, a...)...)
		t.Logf("policies of the world:\n%s", dumpPolicies(o.NetworkPolicies))
		return false
	}
	for _, pk := range packets {
		mat := m.PolicyMatrix(pk.port, pk.proto)
		for i, src := range ends {
			for j, dst := range ends {
				if src.pod == nil && dst.pod == nil {
					continue
				}
				eg, in := upstream(ctx, pols, src, dst, pk)
				want := eg && in
				d := m.Policy(netmodel.Peer{Pod: src.pod, IP: src.addr}, netmodel.Peer{Pod: dst.pod, IP: dst.addr}, pk.port, pk.proto)
				st.cases++
				if want {
					st.allowed++
				}
				if src.info == nil || dst.info == nil {
					st.hostCases++
				}
				myEg, myIn := directions(d)
				if d.Allowed != want || myEg != eg || myIn != in {
					return fail("%s -> %s on %s/%d: netmodel allowed=%v (egress %v, ingress %v), kube-network-policies allowed=%v (egress %v, ingress %v)\nreasons:\n  %s",
						src, dst, pk.proto, pk.port, d.Allowed, myEg, myIn, want, eg, in, strings.Join(d.Reasons, "\n  "))
				}
				if src.pod != nil && dst.pod != nil {
					st.cells++
					if mat[i][j] != want {
						return fail("%s -> %s on %s/%d: PolicyMatrix says %v, kube-network-policies %v", src, dst, pk.proto, pk.port, mat[i][j], want)
					}
				}
			}
		}
	}
	return true
}

// directions reads the per-direction verdicts from a Decision's reasons:
// a direction is denied when a "denied:" line names its rules.
func directions(d netmodel.Decision) (egress, ingress bool) {
	egress, ingress = true, true
	for _, r := range d.Reasons {
		if !strings.HasPrefix(r, "denied: ") {
			continue
		}
		switch {
		case strings.Contains(r, "; no egress rule "):
			egress = false
		case strings.Contains(r, "; no ingress rule "):
			ingress = false
		}
	}
	return egress, ingress
}

// upstream asks kube-network-policies, calling EvaluatePolicyDirection the
// way its StandardNetworkPolicy evaluator does: with the policies of the
// pod's namespace whose podSelector selects it, egress for the source pod
// and ingress for the destination pod (with the arguments swapped). A
// pinned pod has no PodInfo: upstream finds no pod at its address.
func upstream(ctx context.Context, pols []*networkingv1.NetworkPolicy, src, dst end, pk packet) (egress, ingress bool) {
	const srcPort = 43210
	egress, ingress = true, true
	if src.info != nil {
		egress = networkpolicy.EvaluatePolicyDirection(ctx, selecting(pols, src.pod), networkingv1.PolicyTypeEgress,
			src.info, srcPort, dst.info, dst.ip, pk.port, pk.proto)
	}
	if dst.info != nil {
		ingress = networkpolicy.EvaluatePolicyDirection(ctx, selecting(pols, dst.pod), networkingv1.PolicyTypeIngress,
			dst.info, pk.port, src.info, src.ip, srcPort, pk.proto)
	}
	return egress, ingress
}

func selecting(pols []*networkingv1.NetworkPolicy, p *corev1.Pod) []*networkingv1.NetworkPolicy {
	var out []*networkingv1.NetworkPolicy
	for _, np := range pols {
		if np.Namespace == p.Namespace && networkpolicy.MatchesSelector(&np.Spec.PodSelector, p.Labels) {
			out = append(out, np)
		}
	}
	return out
}

func dumpPolicies(pols []networkingv1.NetworkPolicy) string {
	var b strings.Builder
	for _, p := range pols {
		y, err := yaml.Marshal(p)
		if err != nil {
			fmt.Fprintf(&b, "# %s/%s: %v\n", p.Namespace, p.Name, err)
			continue
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.String()
}

// The generator draws from small pools so that selectors, CIDRs and ports
// hit often.

var (
	nsPool     = []string{"prod", "dev", "team-a", "team-b", "kube-system"}
	pinnedPool = []string{"172.17.0.10", "172.17.1.10", "10.0.0.10", "192.168.1.10"}
	hostPool   = []string{"172.17.0.5", "172.17.1.5", "172.17.1.200", "10.0.0.5", "8.8.8.8", "10.244.1.250", "172.18.0.2", "192.168.1.1"}
	cidrPool   = []string{"10.244.0.0/16", "10.244.1.0/24", "10.244.2.0/25", "172.17.0.0/16", "10.0.0.0/24", "0.0.0.0/0", "192.168.0.0/16", "10.244.1.4/30", "8.8.8.8/32"}
	portPool   = []int{53, 80, 443, 6379, 8080, 9090}
	probePorts = []int{53, 80, 81, 443, 5978, 6379, 8080, 8443, 9090, 9091, 30000}
	protoPool  = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	namePool   = []string{"http", "dns", "metrics", "redis"}
	labelPool  = map[string][]string{
		"app": {"web", "db", "api"}, "role": {"frontend", "backend", "db"}, "tier": {"x", "y"},
		"team": {"a", "b"}, "env": {"prod", "dev"}, "project": {"myproject", "other"},
	}
	podKeys = []string{"app", "role", "tier"}
	nsKeys  = []string{"team", "env", "project"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func genLabels(r *rand.Rand, keys []string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		if chance(r, 0.55) {
			out[k] = pick(r, labelPool[k])
		}
	}
	if len(out) == 0 && chance(r, 0.5) {
		return nil
	}
	return out
}

func genWorld(r *rand.Rand) netmodel.Objects {
	var o netmodel.Objects
	nss := append([]string(nil), nsPool...)
	r.Shuffle(len(nss), func(i, j int) { nss[i], nss[j] = nss[j], nss[i] })
	nss = nss[:2+r.IntN(3)]
	ipN := 0
	for _, ns := range nss {
		l := genLabels(r, nsKeys)
		if l == nil {
			l = map[string]string{}
		}
		l[corev1.LabelMetadataName] = ns // the API server sets it
		o.Namespaces = append(o.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: l}})
		for k := 2 + r.IntN(4); k > 0; k-- {
			ipN++
			ip := fmt.Sprintf("10.244.%d.%d", ipN%3, ipN)
			o.Pods = append(o.Pods, genPod(r, ns, fmt.Sprintf("p%d", ipN), ip))
		}
	}
	// Hosts placed by pinning a pod's address outside the pod network.
	pinned := append([]string(nil), pinnedPool...)
	r.Shuffle(len(pinned), func(i, j int) { pinned[i], pinned[j] = pinned[j], pinned[i] })
	for k := r.IntN(3); k > 0; k-- {
		ipN++
		o.Pods = append(o.Pods, genPod(r, pick(r, nss), fmt.Sprintf("vm%d", ipN), pinned[k-1]))
	}
	for k := 1 + r.IntN(6); k > 0; k-- {
		o.NetworkPolicies = append(o.NetworkPolicies, genPolicy(r, pick(r, nss), fmt.Sprintf("np%d", k), o.Pods))
	}
	return o
}

func genContainerPorts(r *rand.Rand) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	used := map[string]bool{}
	for k := r.IntN(4); k > 0; k-- {
		cp := corev1.ContainerPort{ContainerPort: int32(pick(r, portPool)), Protocol: pick(r, protoPool)}
		if n := pick(r, namePool); chance(r, 0.8) && !used[n] {
			used[n] = true
			cp.Name = n
		}
		out = append(out, cp)
	}
	return out
}

func genPod(r *rand.Rand, ns, name, ip string) corev1.Pod {
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: genLabels(r, podKeys)},
		Spec:       corev1.PodSpec{NodeName: "ckadlab-control-plane"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}},
	}
	for c := 1 + r.IntN(2); c > 0; c-- {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
			Name: fmt.Sprintf("c%d", c), Image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1", Ports: genContainerPorts(r),
		})
	}
	if chance(r, 0.2) {
		// A sidecar's ports do not count for named ports in either engine.
		always := corev1.ContainerRestartPolicyAlways
		p.Spec.InitContainers = []corev1.Container{{Name: "sidecar", Image: "busybox:1.37", RestartPolicy: &always, Ports: genContainerPorts(r)}}
	}
	return p
}

func genSelector(r *rand.Rand, keys []string) *metav1.LabelSelector {
	s := &metav1.LabelSelector{}
	if chance(r, 0.25) {
		return s // {} selects everything
	}
	for k := 1 + r.IntN(2); k > 0; k-- {
		key := pick(r, keys)
		vals := labelPool[key]
		if chance(r, 0.6) {
			if s.MatchLabels == nil {
				s.MatchLabels = map[string]string{}
			}
			s.MatchLabels[key] = pick(r, vals)
			continue
		}
		req := metav1.LabelSelectorRequirement{Key: key}
		switch r.IntN(4) {
		case 0:
			req.Operator = metav1.LabelSelectorOpIn
			req.Values = pickValues(r, vals)
		case 1:
			req.Operator = metav1.LabelSelectorOpNotIn
			req.Values = pickValues(r, vals)
		case 2:
			req.Operator = metav1.LabelSelectorOpExists
		default:
			req.Operator = metav1.LabelSelectorOpDoesNotExist
		}
		s.MatchExpressions = append(s.MatchExpressions, req)
	}
	return s
}

func pickValues(r *rand.Rand, vals []string) []string {
	out := []string{pick(r, vals)}
	if chance(r, 0.4) {
		if v := pick(r, vals); v != out[0] {
			out = append(out, v)
		}
	}
	return out
}

// genBlock draws an ipBlock whose except ranges lie strictly inside the
// cidr (API validation), often around a pod IP.
func genBlock(r *rand.Rand, pods []corev1.Pod) *networkingv1.IPBlock {
	cidr := pick(r, cidrPool)
	b := &networkingv1.IPBlock{CIDR: cidr}
	p := netip.MustParsePrefix(cidr)
	for k := r.IntN(3); k > 0 && p.Bits() < 32; k-- {
		var inside []netip.Addr
		for _, s := range append(append([]string(nil), hostPool...), podIPs(pods)...) {
			if a := netip.MustParseAddr(s); p.Contains(a) {
				inside = append(inside, a)
			}
		}
		if len(inside) == 0 {
			break
		}
		bits := p.Bits() + 1 + r.IntN(32-p.Bits())
		e, _ := pick(r, inside).Prefix(bits)
		b.Except = append(b.Except, e.String())
	}
	return b
}

func podIPs(pods []corev1.Pod) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Status.PodIP
	}
	return out
}

func genPeers(r *rand.Rand, pods []corev1.Pod) []networkingv1.NetworkPolicyPeer {
	if chance(r, 0.25) {
		return nil // every peer
	}
	var out []networkingv1.NetworkPolicyPeer
	for k := 1 + r.IntN(3); k > 0; k-- {
		switch r.IntN(4) {
		case 0:
			out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: genBlock(r, pods)})
		case 1:
			out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: genSelector(r, podKeys)})
		case 2:
			out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: genNSSelector(r)})
		default:
			out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: genSelector(r, podKeys), NamespaceSelector: genNSSelector(r)})
		}
	}
	return out
}

func genNSSelector(r *rand.Rand) *metav1.LabelSelector {
	if chance(r, 0.2) {
		return &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: pick(r, nsPool)}}
	}
	return genSelector(r, nsKeys)
}

func genPorts(r *rand.Rand) []networkingv1.NetworkPolicyPort {
	if chance(r, 0.3) {
		return nil // every port
	}
	var out []networkingv1.NetworkPolicyPort
	for k := 1 + r.IntN(3); k > 0; k-- {
		proto := pick(r, protoPool) // defaulted: always set
		pp := networkingv1.NetworkPolicyPort{Protocol: &proto}
		switch x := r.IntN(10); {
		case x == 0:
			// no port: every port of the protocol
		case x < 4:
			v := intstr.FromString(pick(r, namePool))
			pp.Port = &v
		default:
			v := intstr.FromInt32(int32(pick(r, portPool)))
			pp.Port = &v
			if chance(r, 0.35) {
				end := v.IntVal + int32(r.IntN(9000))
				pp.EndPort = &end
			}
		}
		out = append(out, pp)
	}
	return out
}

func genPolicy(r *rand.Rand, ns, name string, pods []corev1.Pod) networkingv1.NetworkPolicy {
	np := networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	np.Spec.PodSelector = *genSelector(r, podKeys)
	// An empty list reads back from the API server as absent: generate nil
	// or a non-empty list.
	if chance(r, 0.7) {
		for k := 1 + r.IntN(3); k > 0; k-- {
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: genPeers(r, pods), Ports: genPorts(r)})
		}
	}
	if chance(r, 0.5) {
		for k := 1 + r.IntN(3); k > 0; k-- {
			np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: genPeers(r, pods), Ports: genPorts(r)})
		}
	}
	switch r.IntN(4) {
	case 0:
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	case 1:
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	case 2:
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	default: // left empty by the author: the API server defaults it
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
	return np
}

// genPackets draws the ports and protocols to probe: some from the pools,
// some from the world's policies (range ends, named ports' numbers).
func genPackets(r *rand.Rand, o netmodel.Objects) []packet {
	var out []packet
	for k := 0; k < 3; k++ {
		out = append(out, packet{port: pick(r, probePorts), proto: pick(r, protoPool)})
	}
	for _, np := range o.NetworkPolicies {
		for _, rule := range np.Spec.Ingress {
			for _, pp := range rule.Ports {
				if pp.EndPort != nil && chance(r, 0.5) {
					out = append(out, packet{port: int(*pp.EndPort), proto: *pp.Protocol})
				}
			}
		}
	}
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}
