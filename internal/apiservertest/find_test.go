package apiservertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	a, b, none := t.TempDir(), t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(a, "kube-apiserver"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(b, "etcd"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(none, "etcd"), []byte("not executable"), 0o644)
	for _, tc := range []struct {
		env, api, etcd, why string
	}{
		{"", "", "", "is not set"},
		{a, "", "", "holds no kube-apiserver and etcd"},
		{none + string(os.PathListSeparator) + a, "", "", "holds no"},
		{a + string(os.PathListSeparator) + b, filepath.Join(a, "kube-apiserver"), filepath.Join(b, "etcd"), ""},
	} {
		t.Setenv(BinEnv, tc.env)
		api, etcd, why := Find()
		if api != tc.api || etcd != tc.etcd || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("%s=%q: %q %q %q", BinEnv, tc.env, api, etcd, why)
		}
	}
}
