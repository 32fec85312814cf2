package live

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Connect reads the context's namespace (a class learner's home), and
// "default" for a context that names none.
func TestConnectNamespace(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "config")
	err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: abc}
contexts:
- name: learner
  context: {cluster: c, user: u, namespace: alice-ckadlab}
- name: plain
  context: {cluster: c, user: u}
current-context: plain
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ context, want string }{{"learner", "alice-ckadlab"}, {"plain", "default"}, {"", "default"}} {
		c, err := Connect(kc, tt.context)
		if err != nil {
			t.Fatalf("%s: %v", tt.context, err)
		}
		if c.Namespace != tt.want {
			t.Errorf("context %q: namespace %q, want %q", tt.context, c.Namespace, tt.want)
		}
	}
	if _, err := Connect(kc, "nope"); !errors.Is(err, ErrNoContext) {
		t.Errorf("unknown context: %v", err)
	}
}
