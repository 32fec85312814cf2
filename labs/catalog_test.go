package labs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// mkLab builds a small lab for catalog tests.
func mkLab(id string, d Domain, difficulty string, tags ...string) *Lab {
	return &Lab{ID: id, Title: "Title of " + id, Domain: d, Difficulty: difficulty, Tags: tags,
		Task: "Task text for " + id, Source: id + ".toml"}
}

func ids(labs []*Lab) string {
	s := make([]string, len(labs))
	for i, l := range labs {
		s[i] = l.ID
	}
	return strings.Join(s, ",")
}

func TestCatalog(t *testing.T) {
	builtin := []*Lab{
		mkLab("np-deny-all", NetworkPolicy, Easy, "default-deny"),
		mkLab("np-and-or", NetworkPolicy, Hard, "namespaceSelector", "podSelector"),
		mkLab("svc-nodeport", Services, Medium, "NodePort"),
		mkLab("svc-clusterip", Services, Easy, "ClusterIP"),
		mkLab("ing-paths", Ingress, Medium, "pathType"),
	}
	pack := []*Lab{mkLab("class-extra", Services, Easy, "classroom")}
	c, err := NewCatalog(builtin, pack)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(c.All()); got != "class-extra,svc-clusterip,svc-nodeport,ing-paths,np-deny-all,np-and-or" {
		t.Errorf("All = %s", got)
	}
	if c.Len() != 6 {
		t.Errorf("Len = %d", c.Len())
	}
	all := c.All()
	all[0] = nil
	if c.All()[0] == nil {
		t.Error("All must return a copy")
	}

	if l, err := c.Get("ing-paths"); err != nil || l.ID != "ing-paths" {
		t.Errorf("Get = %v, %v", l, err)
	}
	getTests := []struct{ id, msg string }{
		{"ing-path", `unknown lab "ing-path" (did you mean "ing-paths"?)`},
		{"svc-nodeprot", `unknown lab "svc-nodeprot" (did you mean "svc-nodeport"?)`},
		{"and-or", `unknown lab "and-or" (did you mean "np-and-or"?)`},
		{"zzz", "unknown lab \"zzz\" (`ckadlab labs` lists them)"},
		{"svc", "unknown lab \"svc\" (`ckadlab labs` lists them)"}, // two ids contain it: no guess
	}
	for _, tt := range getTests {
		_, err := c.Get(tt.id)
		var unknown *UnknownLabError
		if !errors.As(err, &unknown) || err.Error() != tt.msg {
			t.Errorf("Get(%q) = %v, want %s", tt.id, err, tt.msg)
		}
	}

	filterTests := []struct {
		domain                Domain
		difficulty, tag, text string
		want                  string
	}{
		{"", "", "", "", "class-extra,svc-clusterip,svc-nodeport,ing-paths,np-deny-all,np-and-or"},
		{"services", "", "", "", "class-extra,svc-clusterip,svc-nodeport"},
		{"netpol", "", "", "", "np-deny-all,np-and-or"},
		{"svc", "easy", "", "", "class-extra,svc-clusterip"},
		{"", "Hard", "", "", "np-and-or"},
		{"", "", "podselector", "", "np-and-or"},
		{"", "", "", "NODEPORT", "svc-nodeport"},
		{"", "", "", "task text for ing", "ing-paths"},
		{"bogus", "", "", "", ""},
		{"ingress", "easy", "", "", ""},
	}
	for _, tt := range filterTests {
		if got := ids(c.Filter(tt.domain, tt.difficulty, tt.tag, tt.text)); got != tt.want {
			t.Errorf("Filter(%q,%q,%q,%q) = %s, want %s", tt.domain, tt.difficulty, tt.tag, tt.text, got, tt.want)
		}
	}
}

func TestCatalogDuplicateIDs(t *testing.T) {
	builtin, err := LoadFSAs(fstest.MapFS{"np.toml": {Data: []byte(validLab)}}, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	packFile := writeFile(t, t.TempDir(), "mine.toml", "# my copy\n"+validLab)
	own, err := loadFile(t, packFile)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewCatalog(builtin, []*Lab{own})
	want := packFile + `:2: duplicate lab id "np-basic": also in content/np.toml:1`
	if err == nil || err.Error() != want {
		t.Errorf("NewCatalog = %v, want %s", err, want)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Errorf("want an ErrorList of one: %T", err)
	}
}

func TestParseDomain(t *testing.T) {
	for in, want := range map[string]Domain{
		"services": Services, "SVC": Services, "service": Services,
		"ingress": Ingress, "ing": Ingress,
		"networkpolicy": NetworkPolicy, "np": NetworkPolicy, "network-policy": NetworkPolicy, " NetPol ": NetworkPolicy,
	} {
		if got, err := ParseDomain(in); err != nil || got != want {
			t.Errorf("ParseDomain(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDomain("dns"); err == nil || err.Error() != `unknown domain "dns": want services, ingress or networkpolicy` {
		t.Errorf("ParseDomain(dns) = %v", err)
	}
}

func TestUniqueDirs(t *testing.T) {
	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	os.MkdirAll(a, 0o755)
	os.MkdirAll(b, 0o755)
	if err := os.Symlink(a, filepath.Join(base, "to-a")); err != nil {
		t.Fatal(err)
	}
	got := UniqueDirs([]string{a, b, filepath.Join(base, "to-a"), a + "/", filepath.Join(b, "..", "b"), filepath.Join(base, "missing"), filepath.Join(base, "missing")})
	want := []string{a, b, filepath.Join(base, "missing")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("UniqueDirs = %v, want %v", got, want)
	}
}

func TestLoadPackEmpty(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	if _, err := LoadPack(dir); !errors.Is(err, ErrEmptyPack) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("empty pack: %v", err)
	}
	if _, err := LoadPack(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "lab pack "+filepath.Join(dir, "missing")) {
		t.Fatalf("missing pack: %v", err)
	}
}
