package exam

import (
	"strings"

	"github.com/ckadlab/ckadlab/labs"
)

// Doc is a page of the documentation the real exam allows
// (kubernetes.io/docs).
type Doc struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// The pages, each named once.
var (
	docService     = Doc{"Service", "https://kubernetes.io/docs/concepts/services-networking/service/"}
	docDNS         = Doc{"DNS for Services and Pods", "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/"}
	docConnect     = Doc{"Connecting Applications with Services", "https://kubernetes.io/docs/tutorials/services/connect-applications-service/"}
	docDebugSvc    = Doc{"Debug Services", "https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/"}
	docIngress     = Doc{"Ingress", "https://kubernetes.io/docs/concepts/services-networking/ingress/"}
	docControllers = Doc{"Ingress Controllers", "https://kubernetes.io/docs/concepts/services-networking/ingress-controllers/"}
	docNetPol      = Doc{"Network Policies", "https://kubernetes.io/docs/concepts/services-networking/network-policies/"}
	docDeclareNP   = Doc{"Declare Network Policy", "https://kubernetes.io/docs/tasks/administer-cluster/declare-network-policy/"}
	docProbes      = Doc{"Configure Liveness, Readiness and Startup Probes", "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"}
	docExternalLB  = Doc{"Create an External Load Balancer", "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/"}
	docDeployment  = Doc{"Deployments", "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/"}
	docTLSSecret   = Doc{"Secrets: TLS Secrets", "https://kubernetes.io/docs/concepts/configuration/secret/#tls-secrets"}
	docLabels      = Doc{"Labels and Selectors", "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/"}
	docKubectl     = Doc{"kubectl Quick Reference", "https://kubernetes.io/docs/reference/kubectl/quick-reference/"}
)

// domainDocs are every task's pages of its domain.
var domainDocs = map[labs.Domain][]Doc{
	labs.Services:      {docService, docConnect},
	labs.Ingress:       {docIngress, docControllers},
	labs.NetworkPolicy: {docNetPol, docDeclareNP},
}

// tagDocs are the pages a tag adds (tags compare case-insensitively).
var tagDocs = map[string][]Doc{
	"dns":                   {docDNS},
	"headless":              {docService, docDNS},
	"externalname":          {docService, docDNS},
	"kube-dns":              {docDNS},
	"troubleshooting":       {docDebugSvc},
	"endpoints":             {docDebugSvc},
	"selector":              {docLabels},
	"podselector":           {docLabels},
	"namespaceselector":     {docLabels},
	"readiness":             {docProbes},
	"readinessprobe":        {docProbes},
	"externaltrafficpolicy": {docExternalLB},
	"loadbalancer":          {docService, docExternalLB},
	"nodeport":              {docService},
	"targetport":            {docService},
	"named-port":            {docService},
	"service":               {docService},
	"networkpolicy":         {docNetPol},
	"ingressclass":          {docControllers},
	"tls":                   {docIngress, docTLSSecret},
	"deployment":            {docDeployment},
	"kubectl-expose":        {docConnect, docKubectl},
}

// Docs are the pages a task may look up, as in the real exam
// (kubernetes.io/docs): its domain's pages, then its tags' pages, each
// once, then the kubectl reference.
func Docs(d labs.Domain, tags []string) []Doc {
	var out []Doc
	seen := map[string]bool{}
	add := func(ds []Doc) {
		for _, doc := range ds {
			if !seen[doc.URL] {
				seen[doc.URL] = true
				out = append(out, doc)
			}
		}
	}
	add(domainDocs[d])
	for _, t := range tags {
		add(tagDocs[strings.ToLower(strings.TrimSpace(t))])
	}
	add([]Doc{docKubectl})
	return out
}

// LabDocs are the pages a lab's task may look up.
func LabDocs(l *labs.Lab) []Doc { return Docs(l.Domain, l.Tags) }
