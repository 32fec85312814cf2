package netmodel

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPolSelectorKey: the compiler parses a selector once per key, so
// selectors with the same content must share a key and selectors that
// differ must not, however their strings are cut.
func TestPolSelectorKey(t *testing.T) {
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
