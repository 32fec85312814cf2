package labs

import (
	"strings"
	"testing"
)

// nsLineDecode reads "Kind ns/name" lines as objects ("Kind name" has no
// namespace).
func nsLineDecode(_ string, text string) ([]ObjectInfo, error) {
	var out []ObjectInfo
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		o := ObjectInfo{Kind: f[0], Name: f[1]}
		if ns, name, ok := strings.Cut(f[1], "/"); ok {
			o.Namespace, o.Name = ns, name
		}
		out = append(out, o)
	}
	return out, nil
}

func TestNamespaceClashes(t *testing.T) {
	lab := func(id, ns, setup, wrong string) *Lab {
		l := &Lab{ID: id, Namespace: ns, Source: id + ".toml"}
		l.Setup.Manifests = setup
		l.Wrong = []WrongAnswer{{Name: "w", Manifests: wrong}}
		return l
	}
	base := []*Lab{lab("np-a", "shop", "Namespace legacy\nPod shop/web", "NetworkPolicy default/deny")}
	for _, tt := range []struct {
		name  string
		added []*Lab
		want  []string // "lab namespace other"
	}{
		{"own namespaces", []*Lab{lab("p1", "p1", "Namespace p1-extra\nPod p1/x", "")}, nil},
		{"default is nobody's", []*Lab{lab("p1", "p1", "", "NetworkPolicy default/deny")}, nil},
		{"its namespace is a built-in's", []*Lab{lab("p1", "shop", "", "")}, []string{"p1 shop np-a"}},
		{"a Namespace the built-in creates", []*Lab{lab("p1", "p1", "Pod legacy/vm", "")}, []string{"p1 legacy np-a"}},
		{"an object of a wrong answer", []*Lab{lab("p1", "p1", "", "Service shop/web")}, []string{"p1 shop np-a"}},
		{"two pack labs", []*Lab{lab("p1", "team", "", ""), lab("p2", "p2", "Pod team/x", "")}, []string{"p2 team p1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range NamespaceClashes(base, tt.added, nsLineDecode) {
				if d.Severity != SeverityWarning {
					t.Errorf("severity %s, want warning", d.Severity)
				}
				rest, _ := strings.CutPrefix(d.Message, "namespace ")
				ns, rest, _ := strings.Cut(rest, " is also used by lab ")
				other, _, _ := strings.Cut(rest, ":")
				got = append(got, d.Lab+" "+ns+" "+other)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
