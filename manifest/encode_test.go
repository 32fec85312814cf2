package manifest

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestEncode(t *testing.T) {
	tcp := corev1.ProtocolTCP
	port := intstr.FromInt32(6379)
	tests := []struct {
		name    string
		obj     runtime.Object
		want    []string // lines that must appear
		notWant []string
	}{
		{
			name: "deny-all policy keeps the empty podSelector and gets its kind",
			obj: &networkingv1.NetworkPolicy{
				ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: "prod"},
				Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
			},
			want:    []string{"apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "  podSelector: {}", "  - Ingress"},
			notWant: []string{"creationTimestamp", "status"},
		},
		{
			name: "policy rule with an empty item",
			obj: &networkingv1.NetworkPolicy{
				TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
				ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "prod"},
				Spec: networkingv1.NetworkPolicySpec{
					PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"role": "db"}},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{
						From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}},
						Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
					}},
				},
			},
			want: []string{"  - from:", "    - namespaceSelector: {}", "    - port: 6379", "      protocol: TCP", "      role: db"},
		},
		{
			name: "service status with only empty maps is dropped",
			obj: &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"env": "yes"}},
				Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}},
			},
			want:    []string{"apiVersion: v1", "kind: Service", `    env: "yes"`, "    targetPort: http"},
			notWant: []string{"status", "loadBalancer", "null"},
		},
		{
			name: "a real status is kept",
			obj: &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: "lb"},
				Status:     corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "172.18.0.2"}}}},
			},
			want: []string{"status:", "    - ip: 172.18.0.2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, err := Encode(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(y), "\n")
			for _, w := range tt.want {
				found := false
				for _, l := range lines {
					if l == w {
						found = true
					}
				}
				if !found {
					t.Errorf("missing line %q in\n%s", w, y)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(y), w) {
					t.Errorf("unwanted %q in\n%s", w, y)
				}
			}
			// What Encode writes, Decode reads back to the same object.
			objs, err := Decode("enc.yaml", y)
			if err != nil {
				t.Fatalf("decode the encoding: %v\n%s", err, y)
			}
			if len(objs) != 1 {
				t.Fatalf("decoded %d objects", len(objs))
			}
			orig := tt.obj.DeepCopyObject()
			orig.GetObjectKind().SetGroupVersionKind(objs[0].Obj.GetObjectKind().GroupVersionKind())
			if !reflect.DeepEqual(objs[0].Obj, orig) {
				t.Errorf("round trip changed the object:\n%#v\n%#v", objs[0].Obj, orig)
			}
		})
	}
}

func TestEncodeNil(t *testing.T) {
	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil): no error")
	}
	var np *networkingv1.NetworkPolicy
	if _, err := Encode(np); err == nil {
		t.Error("Encode(typed nil): no error")
	}
}
