package difftest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"

	"github.com/ckadlab/ckadlab/netmodel"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kube-network-policies/pkg/api"
	"sigs.k8s.io/kube-network-policies/pkg/networkpolicy"
)

// The benchmark pair: the full reachability matrix of one large world
// (1,000 pods in 50 namespaces under 200 policies, TCP port 80), once with
// netmodel (compiling the policies included) and once with the oracle
// (kube-network-policies' EvaluatePolicyDirection for each direction of
// each pair, the policies selecting each pod looked up once beforehand,
// which favours the oracle). Run them side by side with
//
//	go test ./netmodel/difftest -run '^$' -bench MatrixLarge -benchtime 3x
//
// and compare the ns/op; TestLargeWorldAgrees proves both compute the same
// matrix.

const (
	largeNamespaces = 50
	largePods       = 1000
	largePolicies   = 200
)

var largePacket = packet{port: 80, proto: corev1.ProtocolTCP}

// largeWorld builds the world with the differential test's generators
// (selectors, ipBlocks, named and ranged ports), scaled up.
func largeWorld() (netmodel.Objects, []end, []*networkingv1.NetworkPolicy) {
	r := rand.New(rand.NewPCG(1000, 200))
	var o netmodel.Objects
	names := make([]string, largeNamespaces)
	nsLabels := map[string]map[string]string{}
	for i := range names {
		names[i] = fmt.Sprintf("ns%02d", i)
		l := genLabels(r, nsKeys)
		if l == nil {
			l = map[string]string{}
		}
		l[corev1.LabelMetadataName] = names[i]
		nsLabels[names[i]] = l
		o.Namespaces = append(o.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: names[i], Labels: l}})
	}
	for i := range largePods {
		ip := fmt.Sprintf("10.244.%d.%d", i/250, i%250+1)
		o.Pods = append(o.Pods, genPod(r, pick(r, names), fmt.Sprintf("p%04d", i), ip))
	}
	for i := range largePolicies {
		o.NetworkPolicies = append(o.NetworkPolicies, genPolicy(r, pick(r, names), fmt.Sprintf("np%03d", i), o.Pods))
	}
	ends := make([]end, len(o.Pods))
	for i := range o.Pods {
		p := &o.Pods[i]
		a := netip.MustParseAddr(p.Status.PodIP)
		ends[i] = end{pod: p, info: api.NewPodInfo(p, nsLabels[p.Namespace], nil, ""), addr: a, ip: net.IP(a.AsSlice())}
	}
	pols := make([]*networkingv1.NetworkPolicy, len(o.NetworkPolicies))
	for i := range o.NetworkPolicies {
		pols[i] = &o.NetworkPolicies[i]
	}
	return o, ends, pols
}

// oracleMatrix is the matrix by kube-network-policies, in the order of
// ends.
func oracleMatrix(ends []end, pols []*networkingv1.NetworkPolicy) [][]bool {
	ctx := context.Background()
	const srcPort = 43210
	sel := make([][]*networkingv1.NetworkPolicy, len(ends))
	for i, e := range ends {
		sel[i] = selecting(pols, e.pod)
	}
	mat := make([][]bool, len(ends))
	for i, src := range ends {
		mat[i] = make([]bool, len(ends))
		for j, dst := range ends {
			mat[i][j] = evaluate(ctx, sel[i], networkingv1.PolicyTypeEgress, src.info, srcPort, dst.info, dst.ip, largePacket.port) &&
				evaluate(ctx, sel[j], networkingv1.PolicyTypeIngress, dst.info, largePacket.port, src.info, src.ip, srcPort)
		}
	}
	return mat
}

// modelMatrix is netmodel's matrix in the order of ends (the model lists
// its pods in its own order).
func modelMatrix(o netmodel.Objects, ends []end) [][]bool {
	m := netmodel.New(o, netmodel.Options{PodNetwork: []netip.Prefix{podNetwork}})
	raw := m.PolicyMatrix(largePacket.port, largePacket.proto)
	at := map[string]int{}
	for i, p := range m.Pods() {
		at[p.Namespace+"/"+p.Name] = i
	}
	idx := make([]int, len(ends))
	for i, e := range ends {
		k, ok := at[e.pod.Namespace+"/"+e.pod.Name]
		if !ok {
			panic("pod " + e.pod.Name + " missing from the model")
		}
		idx[i] = k
	}
	mat := make([][]bool, len(ends))
	for i := range ends {
		mat[i] = make([]bool, len(ends))
		for j := range ends {
			mat[i][j] = raw[idx[i]][idx[j]]
		}
	}
	return mat
}

// TestLargeWorldAgrees: the two sides of the benchmark pair compute the
// same matrix, and the world exercises both verdicts.
func TestLargeWorldAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("a million pairs through the oracle")
	}
	o, ends, pols := largeWorld()
	want := oracleMatrix(ends, pols)
	got := modelMatrix(o, ends)
	allowed := 0
	for i := range ends {
		for j := range ends {
			if got[i][j] != want[i][j] {
				t.Fatalf("%s -> %s: netmodel %v, kube-network-policies %v", ends[i], ends[j], got[i][j], want[i][j])
			}
			if want[i][j] {
				allowed++
			}
		}
	}
	if n := len(ends) * len(ends); allowed < n/20 || allowed > n-n/20 {
		t.Fatalf("lopsided world: %d of %d pairs allowed", allowed, n)
	}
	t.Logf("%d of %d pairs allowed", allowed, len(ends)*len(ends))
}

func BenchmarkMatrixLarge(b *testing.B) {
	o, ends, pols := largeWorld()
	b.Run("netmodel", func(b *testing.B) {
		for b.Loop() {
			m := netmodel.New(o, netmodel.Options{PodNetwork: []netip.Prefix{podNetwork}})
			if mat := m.PolicyMatrix(largePacket.port, largePacket.proto); len(mat) != largePods {
				b.Fatalf("matrix has %d rows", len(mat))
			}
		}
	})
	b.Run("kube-network-policies", func(b *testing.B) {
		for b.Loop() {
			if mat := oracleMatrix(ends, pols); len(mat) != largePods {
				b.Fatalf("matrix has %d rows", len(mat))
			}
		}
	})
}

func evaluate(ctx context.Context, pols []*networkingv1.NetworkPolicy, dir networkingv1.PolicyType, pod *api.PodInfo, podPort int, peer *api.PodInfo, peerIP net.IP, peerPort int) bool {
	return networkpolicy.EvaluatePolicyDirection(ctx, pols, dir, pod, podPort, peer, peerIP, peerPort, largePacket.proto)
}
