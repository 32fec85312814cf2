package live

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
)

// TestWaitReadySkipsBrokenReadiness: a pod whose readiness probe the
// model expects to fail (and its Deployment) is not waited for once it
// runs; a pod that is simply not ready yet is.
func TestWaitReadySkipsBrokenReadiness(t *testing.T) {
	spec := func(probePath string) corev1.PodSpec {
		return corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27",
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: probePath, Port: intstr.FromInt32(80)}}}}}}
	}
	notReady := corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.9",
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	one := int32(1)
	deploy := func(path string) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "orders", Generation: 1},
			Spec:   appsv1.DeploymentSpec{Replicas: &one, Template: corev1.PodTemplateSpec{Spec: spec(path)}},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1}}
	}
	pod := func(path string, st corev1.PodStatus) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "orders"}, Spec: spec(path), Status: st}
	}
	cases := []struct {
		name    string
		dep     *appsv1.Deployment
		pod     *corev1.Pod
		waiting string // "" when WaitReady returns at once
	}{
		{name: "a probe nginx answers 404", dep: deploy("/healthz"), pod: pod("/healthz", notReady)},
		{name: "a probe that will pass, not ready yet", dep: deploy("/"), pod: pod("/", notReady), waiting: "deployment orders/web (0/1 available)"},
		{name: "a broken probe, the container not started", dep: deploy("/healthz"),
			pod: pod("/healthz", corev1.PodStatus{Phase: corev1.PodPending}), waiting: "pod orders/web-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Clients{Kube: fake.NewSimpleClientset(tc.dep, tc.pod)}
			err := c.WaitReady(context.Background(), []string{"orders"}, 300*time.Millisecond)
			if tc.waiting == "" && err != nil {
				t.Fatalf("WaitReady: %v", err)
			}
			if tc.waiting != "" && (err == nil || !strings.Contains(err.Error(), tc.waiting)) {
				t.Fatalf("WaitReady: %v, want it to wait for %s", err, tc.waiting)
			}
		})
	}
}
