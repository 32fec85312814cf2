package exam

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ckadlab/ckadlab/content"
	"github.com/ckadlab/ckadlab/labs"
)

func builtIn(t testing.TB) []*labs.Lab {
	t.Helper()
	all, err := labs.LoadFSAs(content.FS, ".", "content")
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func titles(ds []Doc) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Title)
	}
	return out
}

func TestDocs(t *testing.T) {
	tests := []struct {
		name   string
		domain labs.Domain
		tags   []string
		want   []string
	}{
		{"services", labs.Services, nil, []string{"Service", "Connecting Applications with Services", "kubectl Quick Reference"}},
		{"ingress", labs.Ingress, nil, []string{"Ingress", "Ingress Controllers", "kubectl Quick Reference"}},
		{"networkpolicy", labs.NetworkPolicy, nil, []string{"Network Policies", "Declare Network Policy", "kubectl Quick Reference"}},
		{"a DNS task adds DNS for Services and Pods", labs.Services, []string{"externalname", "dns"},
			[]string{"Service", "Connecting Applications with Services", "DNS for Services and Pods", "kubectl Quick Reference"}},
		{"tags compare case-insensitively, each page once", labs.Services, []string{"Troubleshooting", "endpoints", "selector", "readinessProbe"},
			[]string{"Service", "Connecting Applications with Services", "Debug Services", "Labels and Selectors",
				"Configure Liveness, Readiness and Startup Probes", "kubectl Quick Reference"}},
		{"egress and DNS in a policy", labs.NetworkPolicy, []string{"networkpolicy", "egress", "dns", "kube-dns"},
			[]string{"Network Policies", "Declare Network Policy", "DNS for Services and Pods", "kubectl Quick Reference"}},
		{"Ingress TLS", labs.Ingress, []string{"ingress", "tls"}, []string{"Ingress", "Ingress Controllers", "Secrets: TLS Secrets", "kubectl Quick Reference"}},
		{"externalTrafficPolicy", labs.Services, []string{"externalTrafficPolicy"},
			[]string{"Service", "Connecting Applications with Services", "Create an External Load Balancer", "kubectl Quick Reference"}},
		{"an unknown domain still has the kubectl reference", labs.Domain("storage"), []string{"unknown-tag"}, []string{"kubectl Quick Reference"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := titles(Docs(tt.domain, tt.tags)); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Docs = %q, want %q", got, tt.want)
			}
		})
	}
}

// Every page is one the real exam allows, and every built-in lab gets its
// domain's pages.
func TestDocsAreKubernetesIO(t *testing.T) {
	var all []Doc
	for _, ds := range domainDocs {
		all = append(all, ds...)
	}
	for _, ds := range tagDocs {
		all = append(all, ds...)
	}
	all = append(all, docKubectl)
	for _, d := range all {
		if !strings.HasPrefix(d.URL, "https://kubernetes.io/docs/") || d.Title == "" {
			t.Errorf("%+v is not a kubernetes.io/docs page", d)
		}
	}
	for tag := range tagDocs {
		if tag != strings.ToLower(tag) {
			t.Errorf("tag %q is not lower case: it would never match", tag)
		}
	}
	for _, l := range builtIn(t) {
		docs := LabDocs(l)
		if len(docs) < 3 || docs[0] != domainDocs[l.Domain][0] {
			t.Errorf("%s: %q", l.ID, titles(docs))
		}
	}
}
