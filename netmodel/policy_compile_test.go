package netmodel

import (
	"net/netip"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPolSelectorKey: the compiler parses a selector once per key, so
// selectors with the same content must share a key and selectors that
// differ must not, however their strings are cut.
func TestPolSelectorKey(t *testing.T) {
	polSelectorKey := func(s *metav1.LabelSelector) string { return string(polAppendSelector(nil, s)) }
	polLabelsKey := func(l map[string]string) string { return string(polAppendLabels(nil, l)) }
	in := func(key string, vals ...string) metav1.LabelSelectorRequirement {
		return metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpIn, Values: vals}
	}
	distinct := []*metav1.LabelSelector{
		{},
		{MatchLabels: map[string]string{"a": "b"}},
		{MatchLabels: map[string]string{"a": "bc"}},
		{MatchLabels: map[string]string{"ab": "c"}},
		{MatchLabels: map[string]string{"a": "b", "c": "d"}},
		{MatchLabels: map[string]string{"a": "b:1:c"}},
		{MatchLabels: map[string]string{"a": "b", "1": "c"}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b", "c")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "bc")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b"), in("c")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{in("a"), in("b", "c")}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"b"}}}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: metav1.LabelSelectorOpExists}}},
		{MatchLabels: map[string]string{"a": "b"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("a", "b")}},
	}
	seen := map[string]int{}
	for i, s := range distinct {
		k := polSelectorKey(s)
		if j, ok := seen[k]; ok {
			t.Fatalf("selectors %d and %d share the key %q", j, i, k)
		}
		seen[k] = i
	}
	// The same content in other maps and slices (and nil or empty ones).
	same := [][2]*metav1.LabelSelector{
		{{}, {MatchLabels: map[string]string{}, MatchExpressions: []metav1.LabelSelectorRequirement{}}},
		{
			{MatchLabels: map[string]string{"a": "b", "c": "d"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("x", "1", "2")}},
			{MatchLabels: map[string]string{"c": "d", "a": "b"}, MatchExpressions: []metav1.LabelSelectorRequirement{in("x", "1", "2")}},
		},
	}
	for _, p := range same {
		if a, b := polSelectorKey(p[0]), polSelectorKey(p[1]); a != b {
			t.Fatalf("equal selectors have keys %q and %q", a, b)
		}
	}
	if polLabelsKey(nil) != polLabelsKey(map[string]string{}) {
		t.Fatal("nil and empty labels have different keys")
	}
}

// TestPolPodsIn: the pods a CIDR contains, found by searching the pods
// sorted by IP, are those whose IP netip.Prefix.Contains, in either
// family, with zoned, mapped and missing addresses among them.
func TestPolPodsIn(t *testing.T) {
	var ips []netip.Addr
	for _, s := range []string{"10.244.0.5", "10.244.1.4", "10.244.1.7", "10.0.0.1", "0.0.0.0", "255.255.255.255",
		"fd00::1", "fd00::1:2", "fe80::1%eth0", "fe80::1", "fe80::2", "::", "8.8.8.8", "10.244.1.4", "172.17.0.1"} {
		ips = append(ips, netip.MustParseAddr(s))
	}
	ips = append(ips, netip.Addr{}, netip.MustParseAddr("::ffff:10.244.1.5").Unmap())
	ix := &policyIndex{n: len(ips), podIP: ips}
	c := newPolCompiler(ix)
	for _, s := range []string{"10.244.0.0/16", "10.244.1.4/30", "10.244.1.4/32", "0.0.0.0/0", "::/0", "fd00::/64",
		"fe80::/10", "10.0.0.0/8", "8.8.8.8/32", "255.255.255.255/32", "192.168.0.0/16", "::ffff:10.244.0.0/112"} {
		p := netip.MustParsePrefix(s).Masked()
		got := c.podsIn(p)
		for i, ip := range ips {
			if want := ip.IsValid() && p.Contains(ip); got.has(i) != want {
				t.Errorf("%s contains %s: podsIn %v, Contains %v", p, ip, got.has(i), want)
			}
		}
	}
}
