package netmodel

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPodReady(t *testing.T) {
	cond := func(s corev1.ConditionStatus) []corev1.PodCondition {
		return []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: s}}
	}
	for _, tt := range []struct {
		st   corev1.PodStatus
		want bool
	}{
		{corev1.PodStatus{Phase: corev1.PodRunning, Conditions: cond(corev1.ConditionTrue)}, true},
		{corev1.PodStatus{Phase: corev1.PodRunning, Conditions: cond(corev1.ConditionFalse)}, false},
		{corev1.PodStatus{Phase: corev1.PodRunning}, false},
		{corev1.PodStatus{Phase: corev1.PodPending, Conditions: cond(corev1.ConditionTrue)}, false},
		{corev1.PodStatus{Phase: corev1.PodSucceeded, Conditions: cond(corev1.ConditionTrue)}, false},
	} {
		if got := PodReady(&corev1.Pod{Status: tt.st}); got != tt.want {
			t.Errorf("PodReady(%+v) = %v, want %v", tt.st, got, tt.want)
		}
	}
}
