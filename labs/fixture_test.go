package labs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validLab is a complete, valid lab. Tests that expect errors edit a line
// of it, so its layout matters: the line numbers are in the comments of
// the tests that use them.
const validLab = `id = "np-basic"
title = "Only the frontend reaches the database"
domain = "networkpolicy"
difficulty = "easy"
points = 10
minutes = 8
tags = ["podSelector", "default-deny"]
namespace = "shop"
task = """
Allow traffic to the db pod only from frontend pods.
[not a table]
"""
hints = ["Select the db pods with podSelector."]

[setup]
manifests = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {role: db}}
spec:
  containers:
  - {name: db, image: "registry.k8s.io/e2e-test-images/agnhost:2.66.1"}
"""

[solution]
commands = ["kubectl apply -f policy.yaml"]
manifests = '''
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
'''

[[wrong]]
name = "no-policy"
manifests = "# nothing"
fails = ["deny-other"]

[[checks]]
id = "policy"
points = 4
description = "The policy exists"
[checks.resource]
kind = "NetworkPolicy"
name = "db"
[[checks.resource.fields]]
path = "spec.policyTypes"
contains = "Ingress"

[[checks]]
id = "deny-other"
points = 6
description = "Other pods are denied"
probe.from = "shop/db"
probe.to = "svc:shop/db"
probe.port = 6379
probe.expect = "deny"
`

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadFile loads a lab file alone in its folder as ckadlab loads a lab
// pack (LoadDir): the lab, or nil and the ErrorList of its problems.
func loadFile(t *testing.T, file string) (*Lab, error) {
	t.Helper()
	all, err := LoadDir(filepath.Dir(file))
	switch {
	case len(all) > 1:
		t.Fatalf("%s is not alone in its folder", file)
	case len(all) == 0:
		return nil, err
	}
	return all[0], err
}

// edit replaces old (which must occur exactly once) in s.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("fixture edit: %q occurs %d times", old, n)
	}
	return strings.Replace(s, old, new, 1)
}
