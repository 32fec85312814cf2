package kind

import (
	"context"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/cluster/live"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The controllers of the IngressClasses ckadlab's Traefik serves
// (addons/traefik.yaml): one provider per controller.
const (
	NginxController   = "k8s.io/ingress-nginx"          // Traefik's kubernetesIngressNGINX provider
	TraefikController = "traefik.io/ingress-controller" // Traefik's kubernetesIngress provider
)

// IngressClass is one IngressClass of the cluster, as `cluster status`
// shows it.
type IngressClass struct {
	Name       string `json:"name"`
	Controller string `json:"controller"`
	Default    bool   `json:"default,omitempty"`
	// ServedBy names what serves the class in this cluster ("" when
	// nothing ckadlab installed does).
	ServedBy string `json:"served_by,omitempty"`
}

// servedBy says what serves an IngressClass of controller ctrl.
func servedBy(ctrl string) string {
	switch ctrl {
	case NginxController:
		return "Traefik (kubernetesIngressNGINX provider, ingress-nginx semantics)"
	case TraefikController:
		return "Traefik (kubernetesIngress provider)"
	}
	return ""
}

// listIngressClasses reads the cluster's IngressClasses, the default
// first, then by name.
func listIngressClasses(ctx context.Context, c *live.Clients) ([]IngressClass, error) {
	l, err := c.Kube.NetworkingV1().IngressClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]IngressClass, 0, len(l.Items))
	for _, ic := range l.Items {
		out = append(out, IngressClass{
			Name:       ic.Name,
			Controller: ic.Spec.Controller,
			Default:    ic.Annotations[networkingv1.AnnotationIsDefaultIngressClass] == "true",
			ServedBy:   servedBy(ic.Spec.Controller),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Default != out[j].Default {
			return out[i].Default
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// DescribeIngressClasses is one line naming the classes, e.g.
// `nginx (default: Traefik, ingress-nginx semantics), traefik (Traefik)`.
func DescribeIngressClasses(cs []IngressClass) string {
	var parts []string
	for _, c := range cs {
		what := "controller " + c.Controller + ", not served by ckadlab's Traefik"
		switch c.Controller {
		case NginxController:
			what = "Traefik, ingress-nginx semantics"
		case TraefikController:
			what = "Traefik"
		}
		if c.Default {
			what = "default: " + what
		}
		parts = append(parts, c.Name+" ("+what+")")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
