package session

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func writeKubeconfig(t *testing.T, current, namespace string) string {
	t.Helper()
	kc := filepath.Join(t.TempDir(), "config")
	body := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: abc}
contexts:
- name: %s
  context: {cluster: c, user: u, namespace: %q}
current-context: %s
`, current, namespace, current)
	if err := os.WriteFile(kc, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return kc
}

// A class learner's kubeconfig is recognised from the file alone; other
// contexts are not.
func TestClassContext(t *testing.T) {
	for _, tt := range []struct {
		context, namespace string
		learner            string // "" = not a class context
	}{
		{"ckadlab-ws1-alice", "alice-ckadlab", "alice"},
		{"ckadlab-ckad-learner07", "learner07-ckadlab", "learner07"},
		{"kind-ckadlab", "default", ""},
		{"ckadlab-ws1-alice", "default", ""},
		{"ckadlab-ws1-bob", "alice-ckadlab", ""},
		{"prod", "alice-ckadlab", ""},
		{"ckadlab-ws1-Alice", "Alice-ckadlab", ""},
	} {
		kc := writeKubeconfig(t, tt.context, tt.namespace)
		name, learner, ok := ClassContext(kc)
		if ok != (tt.learner != "") || learner != tt.learner || (ok && name != tt.context) {
			t.Errorf("%s (namespace %s): %q %q %v, want learner %q", tt.context, tt.namespace, name, learner, ok, tt.learner)
		}
	}
	if _, _, ok := ClassContext(filepath.Join(t.TempDir(), "missing")); ok {
		t.Error("a missing kubeconfig is a class context")
	}
	// auto picks the class cluster from $KUBECONFIG, without Docker
	t.Setenv("KUBECONFIG", writeKubeconfig(t, "ckadlab-ws1-alice", "alice-ckadlab"))
	ch, err := ChooseCluster(context.Background(), "auto")
	if err != nil || ch.Target != ContextTarget("ckadlab-ws1-alice") {
		t.Errorf("auto with a class kubeconfig: %v, %v", ch, err)
	}
}
