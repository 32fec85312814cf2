package labs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fakeDecode stands in for the manifest package: it reads block-style
// YAML just far enough for lint (kind, metadata name and namespace,
// images). A line "!!error" is a decode error at that line; "!!fail" an
// error without a line.
func fakeDecode(name, text string) ([]ObjectInfo, error) {
	var objs []ObjectInfo
	var cur *ObjectInfo
	inMeta := false
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "!!error":
			return nil, &ManifestError{Line: n, Err: fmt.Errorf("document %d: bad YAML", len(objs))}
		case trimmed == "!!fail":
			return nil, errors.New("cannot decode")
		case trimmed == "---":
			cur = nil
			continue
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		}
		if cur == nil {
			objs = append(objs, ObjectInfo{Line: n})
			cur = &objs[len(objs)-1]
		}
		key, val, _ := strings.Cut(strings.TrimPrefix(trimmed, "- "), ":")
		val = strings.TrimSpace(val)
		indented := strings.HasPrefix(line, " ")
		switch {
		case !indented:
			inMeta = key == "metadata"
			if key == "kind" {
				cur.Kind = val
			}
		case inMeta && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && key == "name":
			cur.Name = val
		case inMeta && key == "namespace":
			cur.Namespace = val
		case key == "image":
			cur.Images = append(cur.Images, val)
		}
	}
	return objs, nil
}

const lintLab = `id = "svc-web"
title = "Expose web"
domain = "services"
difficulty = "easy"
points = 3
minutes = 5
namespace = "shop"
task = "Expose web."
hints = ["kubectl expose"]

[setup]
manifests = """
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: shop
spec:
  containers:
  - name: c
    image: busybox:1.37
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""

[solution]
commands = ["kubectl -n shop expose deploy web --port 80"]
manifests = """
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
"""

[[wrong]]
name = "no-service"
manifests = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
"""
fails = ["svc", "reach"]

[[checks]]
id = "svc"
points = 1
description = "The Service exists"
resource = { kind = "Service", name = "web" }

[[checks]]
id = "reach"
points = 2
description = "client reaches web"
probe = { from = "shop/client", to = "svc:shop/web", port = 80, expect = "allow" }
`

func TestLint(t *testing.T) {
	type change struct{ old, new string }
	const probeLine = `probe = { from = "shop/client", to = "svc:shop/web", port = 80, expect = "allow" }`
	probe := func(from, to, extra string) change {
		return change{probeLine, fmt.Sprintf(`probe = { from = %q, to = %q, port = 80, expect = "allow"%s }`, from, to, extra)}
	}
	tests := []struct {
		name    string
		changes []change
		want    []string // "line: [warning: ]message"
	}{
		{name: "clean", want: nil},
		{
			name:    "probe source from a Deployment",
			changes: []change{probe("shop/web-7d9c5-abcde", "svc:shop/web", "")},
			want:    []string{"71: probe source shop/web-7d9c5-abcde: pods of Deployment shop/web get generated names; probes need a bare Pod with a stable name"},
		},
		{
			name:    "probe pods that nobody creates",
			changes: []change{probe("shop/nobody", "shop/web", "")},
			want: []string{
				"71: probe source shop/nobody: no Pod shop/nobody in the setup or the solution (probes need a bare Pod)",
				"71: probe target shop/web: no Pod shop/web in the setup or the solution (probes need a bare Pod)",
			},
		},
		{
			name:    "probe namespace that nobody creates",
			changes: []change{probe("prod/client", "svc:prod/web", "")},
			want: []string{
				`71: probe source prod/client: namespace "prod" is created by neither the setup nor the solution`,
				`71: probe target: namespace "prod" is created by neither the setup nor the solution`,
			},
		},
		{
			name:    "Services: missing, and built into the cluster",
			changes: []change{probe("shop/client", "svc:shop/api", `, http = { service = "traefik/traefik" }`)},
			want:    []string{"71: probe target: no Service shop/api in the setup or the solution"},
		},
		{
			name:    "load balancer and http.service",
			changes: []change{probe("external", "lb:shop/web", `, http = { service = "shop/other" }`)},
			want:    []string{"71: probe http.service: no Service shop/other in the setup or the solution"},
		},
		{
			name:    "dns name of a Service nobody creates",
			changes: []change{probe("shop/client", "dns:api.shop", "")},
			want:    []string{"71: warning: probe target dns:api.shop: no Service shop/api in the setup or the solution, so the name never resolves"},
		},
		{
			name:    "dns short name resolves in the source namespace",
			changes: []change{probe("shop/client", "dns:web", "")},
		},
		{
			name:    "dns full name in a namespace nobody creates",
			changes: []change{probe("shop/client", "dns:web.prod.svc.cluster.local", "")},
			want:    []string{`71: probe target dns:web.prod.svc.cluster.local: namespace "prod" is created by neither the setup nor the solution`},
		},
		{
			name:    "dns names outside the cluster are not checked",
			changes: []change{probe("shop/client", "dns:example.com", "")},
		},
		{
			name:    "dns name of a built-in Service",
			changes: []change{probe("shop/client", "dns:kube-dns.kube-system.svc", "")},
		},
		{
			name: "resource checks",
			changes: []change{
				{`resource = { kind = "Service", name = "web" }`, `resource = { kind = "ingress", name = "web" }`},
				{`points = 3`, `points = 5`},
				{probeLine, probeLine + "\n[[checks]]\nid = \"gone\"\npoints = 1\ndescription = \"d\"\nresource = { kind = \"Service\", name = \"web\", absent = true }" +
					"\n[[checks]]\nid = \"class\"\npoints = 1\ndescription = \"d\"\nresource = { kind = \"IngressClass\", name = \"traefik\" }"},
			},
			want: []string{
				`65: check "svc" reads ingress shop/web, which neither the setup nor the solution creates`,
				`76: warning: check "gone" wants Service shop/web absent, but the solution creates it`,
			},
		},
		{
			name:    "the lab namespace is created by setup",
			changes: []change{{"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n", ""}},
			want: []string{
				`7: namespace "shop" is not created by setup.manifests (add a Namespace object)`,
				`13: setup.manifests: Pod client is in namespace "shop", which neither the setup nor the solution creates`,
				`23: setup.manifests: Deployment web is in namespace "shop", which neither the setup nor the solution creates`,
				`39: solution.manifests: Service web is in namespace "shop", which neither the setup nor the solution creates`,
				`49: wrong[0].manifests: ConfigMap web is in namespace "shop", which neither the setup nor the solution creates`,
				`66: probe source shop/client: namespace "shop" is created by neither the setup nor the solution`,
			},
		},
		{
			name: "images must be pinned",
			changes: []change{
				{"image: busybox:1.37", "image: busybox\n    image: busybox:latest\n    image: registry.local:5000/tools\n    image: registry.local:5000/tools:1.0\n    image: busybox@sha256:0123"},
				{"image: nginx:1.27", "image: docker.io/library/nginx:latest"},
			},
			want: []string{
				`18: setup.manifests: Pod client: image "busybox" has no tag: pin a version (e.g. nginx:1.27)`,
				`18: setup.manifests: Pod client: image "busybox:latest" uses :latest: pin a version (e.g. nginx:1.27)`,
				`18: setup.manifests: Pod client: image "registry.local:5000/tools" has no tag: pin a version (e.g. nginx:1.27)`,
				`32: setup.manifests: Deployment web: image "docker.io/library/nginx:latest" uses :latest: pin a version (e.g. nginx:1.27)`,
			},
		},
		{
			name:    "decode error with a line",
			changes: []change{{"  name: client\n", "  name: client\n!!error\n"}},
			want:    []string{"22: setup.manifests: document 2: bad YAML"},
		},
		{
			name:    "decode error without a line",
			changes: []change{{"kind: ConfigMap\n", "kind: ConfigMap\n!!fail\n"}},
			want:    []string{"53: wrong[0].manifests: cannot decode"},
		},
		{
			name:    "setup objects name their namespace",
			changes: []change{{"  name: client\n  namespace: shop\n", "  name: client\n"}},
			want:    []string{`18: warning: setup.manifests: Pod client names no namespace (setup objects name theirs; "shop" is assumed)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := lintLab
			for _, c := range tt.changes {
				src = edit(t, src, c.old, c.new)
			}
			lab, errs := Parse("svc.toml", []byte(src))
			if len(errs) > 0 {
				t.Fatalf("fixture does not load: %v", errs)
			}
			var got []string
			for _, d := range Lint([]*Lab{lab}, fakeDecode) {
				if d.File != "svc.toml" || d.Lab != "svc-web" {
					t.Errorf("diagnostic names %s/%s", d.File, d.Lab)
				}
				got = append(got, strings.TrimPrefix(d.String(), "svc.toml:"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLintAcrossLabs(t *testing.T) {
	a, errs := Parse("a.toml", []byte(lintLab))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b, errs := Parse("b.toml", []byte("\n"+lintLab))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ds := Lint([]*Lab{a, nil, b}, fakeDecode)
	if len(ds) != 1 || ds[0].String() != `b.toml:2: duplicate lab id "svc-web": also in a.toml:1` || ds[0].Severity != SeverityError {
		t.Errorf("Lint = %v", ds)
	}
	warn := []Diagnostic{{File: "x.toml", Line: 3, Severity: SeverityWarning, Message: "m"}}
	if warn[0].String() != "x.toml:3: warning: m" {
		t.Errorf("a warning says so: %v", warn)
	}
	if s := (Diagnostic{File: "x.toml", Severity: SeverityError, Message: "m"}).String(); s != "x.toml: m" {
		t.Errorf("no line: %s", s)
	}

	// Load errors print the same way as lint diagnostics.
	_, errs = Parse("c.toml", []byte(strings.Replace(lintLab, "points = 3", "points = 4", 1)))
	ds = errs.Diagnostics()
	if len(ds) != 1 || ds[0].String() != "c.toml:5: points is 4 but the checks add up to 3" {
		t.Errorf("Diagnostics = %v", ds)
	}
}
