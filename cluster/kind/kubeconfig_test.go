package kind

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// twoClusters is a kubeconfig with ckadlab's kind context and someone
// else's cluster, current.
func twoClusters(t *testing.T, path string) *clientcmdapi.Config {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kind-ckadlab"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: []byte("ca")}
	cfg.Clusters["prod"] = &clientcmdapi.Cluster{Server: "https://prod.example.com"}
	cfg.AuthInfos["kind-ckadlab"] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("cert"), ClientKeyData: []byte("key")}
	cfg.AuthInfos["prod-admin"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["kind-ckadlab"] = &clientcmdapi.Context{Cluster: "kind-ckadlab", AuthInfo: "kind-ckadlab"}
	cfg.Contexts["prod"] = &clientcmdapi.Context{Cluster: "prod", AuthInfo: "prod-admin", Namespace: "payments"}
	cfg.CurrentContext = "prod"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	back, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestEnsureContexts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	before := twoClusters(t, path)
	want := []NamedContext{{"ckad-k1", "shop"}, {"ckad-k2", "bank"}}
	got, err := EnsureContexts(path, "kind-ckadlab", want)
	if err != nil || got != path {
		t.Fatalf("EnsureContexts = %q, %v", got, err)
	}
	after, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range want {
		ctx := after.Contexts[c.Name]
		if ctx == nil || ctx.Cluster != "kind-ckadlab" || ctx.AuthInfo != "kind-ckadlab" || ctx.Namespace != c.Namespace {
			t.Errorf("context %s = %+v", c.Name, ctx)
		}
	}
	// Nothing else changed: the other contexts, clusters, users and the
	// current context.
	if after.CurrentContext != "prod" {
		t.Errorf("current context %s, want prod", after.CurrentContext)
	}
	for name, c := range before.Contexts {
		if !reflect.DeepEqual(after.Contexts[name], c) {
			t.Errorf("context %s changed: %+v -> %+v", name, c, after.Contexts[name])
		}
	}
	if !reflect.DeepEqual(after.Clusters, before.Clusters) || !reflect.DeepEqual(after.AuthInfos, before.AuthInfos) {
		t.Error("clusters or users changed")
	}
	if len(after.Contexts) != len(before.Contexts)+2 {
		t.Errorf("%d contexts", len(after.Contexts))
	}
	// Again with the same contexts: nothing to write.
	st, _ := os.Stat(path)
	os.Chtimes(path, st.ModTime().Add(-60e9), st.ModTime().Add(-60e9))
	st, _ = os.Stat(path)
	if _, err := EnsureContexts(path, "kind-ckadlab", want); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the kubeconfig was written again with nothing new")
	}
	// A later exam moves ckadlab's own context to another namespace.
	if _, err := EnsureContexts(path, "kind-ckadlab", []NamedContext{{"ckad-k1", "web"}}); err != nil {
		t.Fatal(err)
	}
	after, _ = clientcmd.LoadFromFile(path)
	if after.Contexts["ckad-k1"].Namespace != "web" {
		t.Errorf("ckad-k1 is in %s", after.Contexts["ckad-k1"].Namespace)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("the lock file stayed: %v", err)
	}
}

func TestEnsureContextsRefuses(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	twoClusters(t, path)
	// A ckad-k1 of another cluster is someone else's.
	cfg, _ := clientcmd.LoadFromFile(path)
	cfg.Contexts["ckad-k1"] = &clientcmdapi.Context{Cluster: "prod", AuthInfo: "prod-admin", Namespace: "x"}
	clientcmd.WriteToFile(*cfg, path)
	data, _ := os.ReadFile(path)
	tests := []struct {
		name, kubeconfig, base string
		contexts               []NamedContext
		err                    string
	}{
		{"another cluster's context of that name", path, "kind-ckadlab", []NamedContext{{"ckad-k1", "shop"}}, "already has a context ckad-k1 for cluster prod"},
		{"no base context", path, "kind-other", []NamedContext{{"ckad-k2", "shop"}}, "has no context kind-other"},
		{"no kubeconfig", filepath.Join(dir, "none"), "kind-ckadlab", []NamedContext{{"ckad-k2", "shop"}}, "has no context kind-ckadlab"},
		{"the base itself", path, "kind-ckadlab", []NamedContext{{"kind-ckadlab", "shop"}}, "cannot write kube context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EnsureContexts(tt.kubeconfig, tt.base, tt.contexts)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if now, _ := os.ReadFile(path); string(now) != string(data) {
				t.Fatal("a refused write changed the kubeconfig")
			}
		})
	}
}

// With several files (as $KUBECONFIG lists them), the contexts go into
// the file that defines the base context.
func TestEnsureContextsSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	other := clientcmdapi.NewConfig()
	other.Clusters["x"] = &clientcmdapi.Cluster{Server: "https://x"}
	other.Contexts["x"] = &clientcmdapi.Context{Cluster: "x"}
	clientcmd.WriteToFile(*other, first)
	firstData, _ := os.ReadFile(first)
	twoClusters(t, second)
	got, err := EnsureContexts(first+string(filepath.ListSeparator)+second, "kind-ckadlab", []NamedContext{{"ckad-k1", "shop"}})
	if err != nil || got != second {
		t.Fatalf("EnsureContexts = %q, %v; want %s", got, err, second)
	}
	if now, _ := os.ReadFile(first); string(now) != string(firstData) {
		t.Error("the first file changed")
	}
	cfg, _ := clientcmd.LoadFromFile(second)
	if cfg.Contexts["ckad-k1"] == nil {
		t.Error("no ckad-k1 in the second file")
	}
}
