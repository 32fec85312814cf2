package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// ProbeImage is the image of probe pods: agnhost (connect) on a base with
// busybox (sh, wget, timeout).
const ProbeImage = "registry.k8s.io/e2e-test-images/agnhost:2.66.1"

// SystemNamespace holds ckadlab's own objects (self-test, node probes).
const SystemNamespace = "ckadlab-system"

type probePodState struct {
	once   sync.Once
	runner Runner
	err    error
}

// podSender picks where probes from pod p run: in p's own agnhost
// container when it has one, else in a probe pod that impersonates p (same
// namespace, same labels, same node), which NetworkPolicy treats as p.
func (b *Backend) podSender(ctx context.Context, p *corev1.Pod) (Runner, string, error) {
	key := p.Namespace + "/" + p.Name
	if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
		return nil, "", fmt.Errorf("source pod %s is not running (%s)", key, podState(p))
	}
	for _, c := range p.Spec.Containers {
		if !strings.Contains(c.Image, "agnhost") {
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name == c.Name && cs.State.Running != nil {
				return &podRunner{c: b.c, namespace: p.Namespace, pod: p.Name, container: c.Name, shell: true}, "", nil
			}
		}
	}
	r, err := b.probePod(ctx, key, b.podFrom(func(ctx context.Context) (*corev1.Pod, error) { return b.impersonator(ctx, p) }))
	if err != nil {
		return nil, "", fmt.Errorf("source pod %s has no agnhost container, and its probe pod failed: %w", key, err)
	}
	return r, fmt.Sprintf("pod %s has no agnhost container: the probe ran in a probe pod with the same namespace, labels and node (its address differs from the pod's)", key), nil
}

// probePod starts (once per backend) the runner for key.
func (b *Backend) probePod(ctx context.Context, key string, start func(context.Context) (Runner, error)) (Runner, error) {
	b.podsMu.Lock()
	st := b.probePods[key]
	if st == nil {
		st = &probePodState{}
		b.probePods[key] = st
	}
	b.podsMu.Unlock()
	st.once.Do(func() { st.runner, st.err = start(ctx) })
	return st.runner, st.err
}

// podFrom starts a probe pod built by build.
func (b *Backend) podFrom(build func(context.Context) (*corev1.Pod, error)) func(context.Context) (Runner, error) {
	return func(ctx context.Context) (Runner, error) {
		pod, err := build(ctx)
		if err != nil {
			return nil, err
		}
		return b.startProbePod(ctx, pod)
	}
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:10]
}

// impersonator is a probe pod standing in for p. It is owned (as its
// controller) by a ConfigMap, so that no ReplicaSet or DaemonSet whose
// selector matches the copied labels adopts it, and it never becomes
// ready, so that it is never a Service endpoint.
func (b *Backend) impersonator(ctx context.Context, p *corev1.Pod) (*corev1.Pod, error) {
	owner, err := b.probeOwner(ctx, p.Namespace)
	if err != nil {
		return nil, err
	}
	lbls := map[string]string{}
	for k, v := range p.Labels {
		if k == "pod-template-hash" || k == "controller-revision-hash" {
			continue
		}
		lbls[k] = v
	}
	pod := probePodSpec("ckadlab-probe-"+shortHash(p.Name), p.Namespace, p.Spec.NodeName)
	pod.Labels = lbls
	pod.Annotations = map[string]string{probeForAnnot: p.Name}
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}}
	pod.Spec.HostNetwork = p.Spec.HostNetwork
	pod.Spec.DNSPolicy = p.Spec.DNSPolicy
	pod.Spec.DNSConfig = p.Spec.DNSConfig.DeepCopy()
	return pod, nil
}

func (b *Backend) probeOwner(ctx context.Context, ns string) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ckadlab-probes", Namespace: ns},
		Data: map[string]string{"purpose": "owns ckadlab's probe pods in this namespace"}}
	got, err := b.c.Kube.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{FieldManager: FieldManager})
	if apierrors.IsAlreadyExists(err) {
		return b.c.Kube.CoreV1().ConfigMaps(ns).Get(ctx, cm.Name, metav1.GetOptions{})
	}
	return got, err
}

// nodeProbePod runs probes from a node's own address: a hostNetwork pod
// on that node, as a non-root user (this CNI, like kube-network-policies,
// leaves root-owned node traffic unpoliced; a host's other processes are
// policed like any host).
func (b *Backend) nodeProbePod(ctx context.Context, node string) (Runner, error) {
	return b.probePod(ctx, "node:"+node, b.podFrom(func(ctx context.Context) (*corev1.Pod, error) {
		if err := ensureNamespace(ctx, b.c, SystemNamespace); err != nil {
			return nil, err
		}
		pod := probePodSpec("ckadlab-node-probe-"+shortHash(node), SystemNamespace, node)
		pod.Labels = map[string]string{probeRoleLabel: "node"}
		pod.Annotations = map[string]string{probeForAnnot: "node/" + node}
		pod.Spec.HostNetwork = true
		pod.Spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		return pod, nil
	}))
}

func probePodSpec(name, ns, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			AutomountServiceAccountToken:  ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To(int64(0)),
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			SecurityContext:               &corev1.PodSecurityContext{RunAsUser: ptr.To(int64(65534)), RunAsGroup: ptr.To(int64(65534))},
			Containers: []corev1.Container{{
				Name:            "probe",
				Image:           ProbeImage,
				ImagePullPolicy: corev1.PullIfNotPresent,
				Args:            []string{"pause"},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:        corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"false"}}},
					InitialDelaySeconds: 3600,
					PeriodSeconds:       3600,
				},
			}},
		},
	}
}

// startProbePod creates the pod unless it exists and waits until its
// container runs.
func (b *Backend) startProbePod(ctx context.Context, pod *corev1.Pod) (Runner, error) {
	pods := b.c.Kube.CoreV1().Pods(pod.Namespace)
	_, err := pods.Create(ctx, pod, metav1.CreateOptions{FieldManager: FieldManager})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create probe pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		p, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err == nil && p.Status.Phase == corev1.PodRunning && len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Running != nil {
			return &podRunner{c: b.c, namespace: p.Namespace, pod: p.Name, container: "probe", shell: true}, nil
		}
		select {
		case <-ctx.Done():
			state := "not found"
			if p != nil {
				state = podState(p)
			}
			return nil, fmt.Errorf("probe pod %s/%s did not start: %s", pod.Namespace, pod.Name, state)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func ensureNamespace(ctx context.Context, c *Clients, name string) error {
	_, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/part-of": "ckadlab"}}}, metav1.CreateOptions{FieldManager: FieldManager})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}
