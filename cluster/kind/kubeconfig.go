package kind

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
)

// ensureKubeconfig writes the cluster's entries (cluster, user and context
// all named kind-NAME, as kind names them) into the kubeconfig file at
// path when they are missing or stale (the API server's host port changes
// when a stopped cluster restarts). Other clusters, users and contexts are
// left as they are; the current context is only set when there is none.
// The file is locked the way kind and kubectl lock it (path + ".lock").
func ensureKubeconfig(provider *kindcluster.Provider, name, path string) error {
	raw, err := provider.KubeConfig(name, false)
	if err != nil {
		return fmt.Errorf("kubeconfig of cluster %s: %w", name, err)
	}
	fresh, err := clientcmd.Load([]byte(raw))
	if err != nil {
		return fmt.Errorf("kubeconfig of cluster %s: %w", name, err)
	}
	ctx := Context(name)
	if fresh.Contexts[ctx] == nil {
		return fmt.Errorf("kubeconfig of cluster %s has no context %s", name, ctx)
	}
	unlock, err := lockKubeconfig(path)
	if err != nil {
		return err
	}
	defer unlock()
	cfg, err := clientcmd.LoadFromFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		cfg = clientcmdapi.NewConfig()
	case err != nil:
		return fmt.Errorf("read %s: %w", path, err)
	}
	changed := false
	for k, v := range fresh.Clusters {
		if old := cfg.Clusters[k]; old == nil || old.Server != v.Server || !reflect.DeepEqual(old.CertificateAuthorityData, v.CertificateAuthorityData) {
			cfg.Clusters[k] = v
			changed = true
		}
	}
	for k, v := range fresh.AuthInfos {
		if old := cfg.AuthInfos[k]; old == nil || !reflect.DeepEqual(old.ClientCertificateData, v.ClientCertificateData) || !reflect.DeepEqual(old.ClientKeyData, v.ClientKeyData) {
			cfg.AuthInfos[k] = v
			changed = true
		}
	}
	for k, v := range fresh.Contexts {
		if old := cfg.Contexts[k]; old == nil || old.Cluster != v.Cluster || old.AuthInfo != v.AuthInfo {
			cfg.Contexts[k] = v
			changed = true
		}
	}
	if cfg.CurrentContext == "" {
		cfg.CurrentContext = ctx
		changed = true
	}
	if !changed {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// lockKubeconfig takes kubectl's lock file for path, waiting a little for
// another writer.
func lockKubeconfig(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	lock := path + ".lock"
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(lock) }, nil
		}
		if !errors.Is(err, fs.ErrExist) || time.Now().After(deadline) {
			return nil, fmt.Errorf("lock %s: %w (remove it if no kubectl or kind is running)", lock, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NamedContext is a kube context to write: its name and default namespace.
type NamedContext struct {
	Name      string
	Namespace string
}

// EnsureContexts writes contexts into the kubeconfig that holds context
// base, each with base's cluster and user and its own default namespace:
// the mock exam's per-task contexts (ckad-k1, …). kubeconfig is a file, or
// several separated as in $KUBECONFIG (the contexts go into the file that
// defines base). Every other context, cluster and user is left as it is,
// and so is the current context. A context of the same name for another
// cluster or user is not overwritten: that is an error naming it. The
// file is locked as kubectl locks it; it is written only when something
// changed. It returns the file written to.
func EnsureContexts(kubeconfig, base string, contexts []NamedContext) (string, error) {
	var path string
	for _, p := range filepath.SplitList(kubeconfig) {
		if p == "" {
			continue
		}
		cfg, err := clientcmd.LoadFromFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p, err)
		}
		if cfg.Contexts[base] != nil {
			path = p
			break
		}
	}
	if path == "" {
		return "", fmt.Errorf("the kubeconfig %s has no context %s", kubeconfig, base)
	}
	unlock, err := lockKubeconfig(path)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Read again under the lock: another writer may have been first.
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	b := cfg.Contexts[base]
	if b == nil {
		return "", fmt.Errorf("the kubeconfig %s has no context %s", path, base)
	}
	changed := false
	for _, c := range contexts {
		if c.Name == "" || c.Name == base {
			return "", fmt.Errorf("cannot write kube context %q over %s", c.Name, base)
		}
		old := cfg.Contexts[c.Name]
		if old != nil && (old.Cluster != b.Cluster || old.AuthInfo != b.AuthInfo) {
			return "", fmt.Errorf("the kubeconfig %s already has a context %s for cluster %s and user %s: ckadlab does not overwrite it (rename it with `kubectl config rename-context %s OTHER`, then start the exam again)",
				path, c.Name, old.Cluster, old.AuthInfo, c.Name)
		}
		if old != nil && old.Namespace == c.Namespace {
			continue
		}
		nc := clientcmdapi.NewContext()
		nc.Cluster, nc.AuthInfo, nc.Namespace = b.Cluster, b.AuthInfo, c.Namespace
		cfg.Contexts[c.Name] = nc
		changed = true
	}
	if !changed {
		return path, nil
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
