package live

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/netmodel"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// PinnedPod is a setup pod whose manifest pins status.podIP. A real
// cluster ignores status and cannot give a pod an address outside its pod
// network, so live ckadlab does not create such a pod: a routed host with
// that address (see Outside.Host) stands in for it, serving its ports.
type PinnedPod struct {
	Pod  *corev1.Pod // as the lab wrote it
	Addr netip.Addr
	// Listen are the ports it serves: where its containers listen as the
	// offline model infers it (netmodel.Listening), TCP and UDP.
	Listen []netmodel.ListenPort
}

// PinnedPods finds the pinned pods of a setup.
func PinnedPods(objs []manifest.Object) []PinnedPod {
	var out []PinnedPod
	for _, o := range objs {
		p, ok := o.Obj.(*corev1.Pod)
		if !ok || p.Status.PodIP == "" {
			continue
		}
		a, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil {
			continue
		}
		pp := PinnedPod{Pod: p.DeepCopy(), Addr: a}
		if pp.Pod.Namespace == "" {
			pp.Pod.Namespace = o.Namespace
		}
		pp.Listen = netmodel.Listening(pp.Pod)
		out = append(out, pp)
	}
	return out
}

// modelPod is the pod as the offline cluster shows it: running, ready, at
// its pinned address.
func (p PinnedPod) modelPod() corev1.Pod {
	mp := *p.Pod.DeepCopy()
	mp.Status = corev1.PodStatus{
		Phase:  corev1.PodRunning,
		PodIP:  p.Addr.String(),
		PodIPs: []corev1.PodIP{{IP: p.Addr.String()}},
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue},
		},
	}
	for _, c := range mp.Spec.Containers {
		mp.Status.ContainerStatuses = append(mp.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		})
	}
	return mp
}

// LabSetup splits a lab's setup into the objects to apply and the pinned
// pods that routed hosts stand in for.
func LabSetup(setup []manifest.Object, defaultNamespace string) ([]*unstructured.Unstructured, []PinnedPod, error) {
	pinned := PinnedPods(setup)
	skip := map[string]bool{}
	for _, p := range pinned {
		skip[p.Pod.Namespace+"/"+p.Pod.Name] = true
	}
	var keep []manifest.Object
	for _, o := range setup {
		if _, ok := o.Obj.(*corev1.Pod); ok {
			ns := o.Namespace
			if ns == "" {
				ns = defaultNamespace
			}
			if skip[ns+"/"+o.Name] {
				continue
			}
		}
		keep = append(keep, o)
	}
	objs, err := ToUnstructured(keep, defaultNamespace)
	return objs, pinned, err
}

// Namespaces lists the namespaces objects live in or create.
func Namespaces(objs []*unstructured.Unstructured) []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			add(u.GetName())
		}
		add(u.GetNamespace())
	}
	sort.Strings(out)
	return out
}

// MissingNamespaces lists the namespaces that do not exist or are being
// deleted: a lab whose namespaces are missing is not set up on this
// cluster (never started here, reset, or the cluster was recreated).
func (c *Clients) MissingNamespaces(ctx context.Context, namespaces []string) ([]string, error) {
	var missing []string
	for _, n := range namespaces {
		ns, err := c.Kube.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			missing = append(missing, n)
		case err != nil:
			return nil, err
		case ns.DeletionTimestamp != nil:
			missing = append(missing, n)
		}
	}
	return missing, nil
}

// WaitTerminated waits until none of the namespaces is terminating (a
// reset deletes them; applying into a terminating namespace fails).
func (c *Clients) WaitTerminated(ctx context.Context, namespaces []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		busy := ""
		for _, n := range namespaces {
			ns, err := c.Kube.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if ns.DeletionTimestamp != nil {
				busy = n
				break
			}
		}
		if busy == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s is still being deleted after %s", busy, timeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// WaitReady waits until every pod in the namespaces is Running and Ready
// and every Deployment there has its replicas available. It reports the
// pods that are not ready when the time is up. A pod whose readiness
// probe the network model expects to fail (a lab's broken probe, or a
// wrong answer that keeps it) is only waited for until it runs, and a
// Deployment whose pod template has such a probe is not waited for: it
// would never become available.
func (c *Clients) WaitReady(ctx context.Context, namespaces []string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var waiting []string
		for _, n := range namespaces {
			deps, err := c.Kube.AppsV1().Deployments(n).List(ctx, metav1.ListOptions{})
			if err != nil {
				return waitErr(ctx, err, waiting, timeout)
			}
			for _, d := range deps.Items {
				if neverReady(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: n, Name: d.Name}, Spec: d.Spec.Template.Spec}) {
					continue
				}
				want := int32(1)
				if d.Spec.Replicas != nil {
					want = *d.Spec.Replicas
				}
				if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas != want || d.Status.AvailableReplicas != want || d.Status.Replicas != want {
					waiting = append(waiting, fmt.Sprintf("deployment %s/%s (%d/%d available)", n, d.Name, d.Status.AvailableReplicas, want))
				}
			}
			pods, err := c.Kube.CoreV1().Pods(n).List(ctx, metav1.ListOptions{})
			if err != nil {
				return waitErr(ctx, err, waiting, timeout)
			}
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil || p.Annotations[probeForAnnot] != "" {
					continue
				}
				if p.Status.Phase == corev1.PodRunning && neverReady(&p) {
					continue
				}
				if !netmodel.PodReady(&p) {
					waiting = append(waiting, fmt.Sprintf("pod %s/%s (%s)", n, p.Name, podState(&p)))
				}
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return waitErr(ctx, nil, waiting, timeout)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// neverReady says whether the network model expects a readiness probe of
// the pod to fail (not when it cannot tell).
func neverReady(p *corev1.Pod) bool {
	return !netmodel.PodReadiness(p, p.Status.PodIP).Ready
}

func waitErr(ctx context.Context, err error, waiting []string, timeout time.Duration) error {
	if err != nil && ctx.Err() == nil {
		return err
	}
	if len(waiting) > 4 {
		waiting = append(waiting[:4], fmt.Sprintf("and %d more", len(waiting)-4))
	}
	return fmt.Errorf("not ready after %s: %s", timeout, strings.Join(waiting, ", "))
}

// podState is a short kubectl-like state of a pod.
func podState(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return w.Reason
		}
		if t := cs.State.Terminated; t != nil && t.Reason != "" {
			return t.Reason
		}
	}
	if p.Status.Phase == corev1.PodRunning {
		return "Running, not ready"
	}
	if p.Status.Phase == "" {
		return "Pending"
	}
	return string(p.Status.Phase)
}

// DeleteNamespaces deletes namespaces without waiting for them to
// disappear, in an order that lets them go in seconds: the workload
// controllers first (orphaning their pods, so that nothing recreates
// them), then the pods without a grace period (even a container that
// ignores SIGTERM goes at once), then the namespaces, whose controller then
// finds no pod to wait for.
func (c *Clients) DeleteNamespaces(ctx context.Context, namespaces []string) error {
	zero := int64(0)
	orphan := metav1.DeletePropagationOrphan
	bg := metav1.DeletePropagationBackground
	all := metav1.ListOptions{}
	var errs []error
	keep := func(what string, err error) {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for _, n := range namespaces {
		o := metav1.DeleteOptions{PropagationPolicy: &orphan}
		keep("delete deployments of "+n, c.Kube.AppsV1().Deployments(n).DeleteCollection(ctx, o, all))
		keep("delete replicasets of "+n, c.Kube.AppsV1().ReplicaSets(n).DeleteCollection(ctx, o, all))
		keep("delete statefulsets of "+n, c.Kube.AppsV1().StatefulSets(n).DeleteCollection(ctx, o, all))
		keep("delete daemonsets of "+n, c.Kube.AppsV1().DaemonSets(n).DeleteCollection(ctx, o, all))
		keep("delete jobs of "+n, c.Kube.BatchV1().Jobs(n).DeleteCollection(ctx, o, all))
		keep("delete cronjobs of "+n, c.Kube.BatchV1().CronJobs(n).DeleteCollection(ctx, o, all))
		keep("delete replication controllers of "+n, c.Kube.CoreV1().ReplicationControllers(n).DeleteCollection(ctx, o, all))
	}
	for _, n := range namespaces {
		keep("delete pods of "+n, c.Kube.CoreV1().Pods(n).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, all))
	}
	// What a lab checks goes at once too; the namespace controller
	// otherwise takes several seconds to start on it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, n := range namespaces {
		jobs := map[string]func() error{
			"Services": func() error {
				l, err := c.Kube.CoreV1().Services(n).List(ctx, all)
				if err != nil {
					return err
				}
				for _, o := range l.Items {
					if err := c.Kube.CoreV1().Services(n).Delete(ctx, o.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
						return err
					}
				}
				return nil
			},
			"NetworkPolicies": func() error {
				return c.Kube.NetworkingV1().NetworkPolicies(n).DeleteCollection(ctx, metav1.DeleteOptions{}, all)
			},
			"Ingresses": func() error {
				return c.Kube.NetworkingV1().Ingresses(n).DeleteCollection(ctx, metav1.DeleteOptions{}, all)
			},
		}
		for what, job := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := job()
				mu.Lock()
				keep("delete "+what+" of "+n, err)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for _, n := range namespaces {
		keep("delete namespace "+n, c.Kube.CoreV1().Namespaces().Delete(ctx, n, metav1.DeleteOptions{PropagationPolicy: &bg}))
	}
	return errors.Join(errs...)
}

// Delete deletes objects (pods without a grace period) and waits until
// they are gone.
func (c *Clients) Delete(ctx context.Context, objs []*unstructured.Unstructured, timeout time.Duration) error {
	zero := int64(0)
	bg := metav1.DeletePropagationBackground
	type ref struct {
		u          *unstructured.Unstructured
		namespaced bool
	}
	var refs []ref
	for _, u := range objs {
		m, err := c.mapping(u.GroupVersionKind())
		if err != nil {
			return err
		}
		opts := metav1.DeleteOptions{PropagationPolicy: &bg}
		if u.GetKind() == "Pod" {
			opts.GracePeriodSeconds = &zero
		}
		ri := c.Dynamic.Resource(m.Resource)
		namespaced := m.Scope.Name() == "namespace"
		if namespaced {
			err = ri.Namespace(u.GetNamespace()).Delete(ctx, u.GetName(), opts)
		} else {
			err = ri.Delete(ctx, u.GetName(), opts)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s %s: %w", u.GetKind(), objName(u), err)
		}
		refs = append(refs, ref{u, namespaced})
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, r := range refs {
		m, _ := c.mapping(r.u.GroupVersionKind())
		for {
			var err error
			if r.namespaced {
				_, err = c.Dynamic.Resource(m.Resource).Namespace(r.u.GetNamespace()).Get(ctx, r.u.GetName(), metav1.GetOptions{})
			} else {
				_, err = c.Dynamic.Resource(m.Resource).Get(ctx, r.u.GetName(), metav1.GetOptions{})
			}
			if apierrors.IsNotFound(err) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s %s is still there after %s", r.u.GetKind(), objName(r.u), timeout)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}
