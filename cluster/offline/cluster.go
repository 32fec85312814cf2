// Package offline is ckadlab's in-memory cluster: it behaves like a kind
// cluster's API server and controllers for what the labs touch. Apply
// validates and defaults objects as the API server does and rejects what it
// would reject; after every Apply the controllers run: Deployments get a
// ReplicaSet and pods, StatefulSets and DaemonSets get pods, every pod is
// Running on the one node with an IP, Services get ClusterIPs, node ports,
// load balancer addresses and EndpointSlices. Everything is deterministic:
// the same manifests give the same names, IPs and ports.
//
// The cluster starts with what a kind cluster set up for the course has:
// the node ckadlab-control-plane (172.18.0.2), CoreDNS behind kube-dns
// (10.96.0.10), the default/kubernetes Service, and Traefik as the ingress
// controller (default IngressClass traefik, LoadBalancer Service
// traefik/traefik).
package offline

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/manifest"
	"github.com/ckadlab/ckadlab/netmodel"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// key identifies a stored object. kind is the manifest Kind ("Service").
type key struct{ kind, ns, name string }

// record is one object as the API server stores it: defaulted, validated,
// with allocated fields (ClusterIP, node ports) filled in.
type record struct {
	obj runtime.Object
	src manifest.Object // where it came from; zero for the cluster's own objects
	seq int             // creation order: kept when the object is replaced
}

// Cluster is the in-memory cluster. Its methods are safe for concurrent use.
type Cluster struct {
	mu      sync.RWMutex
	objs    map[key]*record
	seq     int
	version int               // resourceVersion counter
	podIPs  map[string]string // "ns/name" -> IP given by an earlier run of the controllers
	gen     uint64            // bumped by every successful Apply
	view    *view             // what the controllers derived from objs

	modelMu  sync.Mutex
	model    *netmodel.Model
	modelGen uint64
}

// New returns a cluster holding the objects a freshly set up kind cluster
// has (see the package documentation).
func New() *Cluster {
	c := &Cluster{objs: map[key]*record{}, podIPs: map[string]string{}}
	if err := c.Apply(systemObjects(), "default"); err != nil {
		// The system objects are fixed; a failure is a bug in this package.
		panic("offline: system objects do not apply: " + err.Error())
	}
	return c
}

// Build is what the checker needs: a new cluster with a lab's setup
// applied, then the learner's answers on top (an answer object with the
// kind, namespace and name of a setup object replaces it). Namespaced
// objects without a namespace go to defaultNamespace. The error says which
// stage failed.
func Build(setup, answers []manifest.Object, defaultNamespace string) (*Cluster, error) {
	c := New()
	if err := c.Apply(setup, defaultNamespace); err != nil {
		return nil, &StageError{Stage: "setup", Err: err}
	}
	if err := c.Apply(answers, defaultNamespace); err != nil {
		return nil, &StageError{Stage: "answers", Err: err}
	}
	return c, nil
}

// StageError says which of Build's Apply calls failed.
type StageError struct {
	Stage string // "setup" or "answers"
	Err   error
}

func (e *StageError) Error() string {
	what := "the lab's setup manifests"
	if e.Stage == "answers" {
		what = "the answer manifests"
	}
	msg := e.Err.Error()
	if strings.Contains(msg, "\n") {
		return "applying " + what + " failed:\n" + indent(msg)
	}
	return "applying " + what + ": " + msg
}

func (e *StageError) Unwrap() error { return e.Err }

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// Apply creates or replaces objects as `kubectl apply` would: an object
// with the kind, namespace and name of an existing one replaces it (fields
// the API server allocated, such as the ClusterIP and node ports, are kept
// unless the new object sets them). Namespaced objects without a namespace
// go to defaultNamespace ("default" when empty); their namespace must exist
// or be created in the same call, in any order. Every object is validated
// as the API server would; on any error nothing is applied and the error
// (a *manifest.Error or manifest.ErrorList) names the file, document,
// object and line of each problem. Afterwards the controllers run.
func (c *Cluster) Apply(objs []manifest.Object, defaultNamespace string) error {
	if defaultNamespace == "" {
		defaultNamespace = "default"
	}
	c.mu.Lock()
	defer c.mu.Unlock()

	tx := &txn{c: c, pending: map[key]*record{}}
	batchNS := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "Namespace" {
			batchNS[o.Name] = true
		}
	}
	var errs manifest.ErrorList
	type item struct {
		m   manifest.Object
		k   key
		obj runtime.Object
	}
	var items []item
	for _, o := range objs {
		if o.Obj == nil {
			errs = append(errs, o.Errorf("", "no object"))
			continue
		}
		info, ok := manifest.LookupKind(o.Kind)
		if !ok || !info.Manifest || info.Kind != o.Kind {
			errs = append(errs, o.Errorf("kind", "kind %q cannot be applied to the offline cluster", o.Kind))
			continue
		}
		if reflect.TypeOf(o.Obj) != reflect.TypeOf(info.New()) {
			errs = append(errs, o.Errorf("", "kind %s does not match the object (%T)", o.Kind, o.Obj))
			continue
		}
		obj := o.Obj.DeepCopyObject()
		acc, err := meta.Accessor(obj)
		if err != nil {
			errs = append(errs, o.Errorf("", "%v", err))
			continue
		}
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Group: info.Group, Version: info.Version, Kind: info.Kind})
		ns := ""
		if info.Namespaced {
			ns = acc.GetNamespace()
			if ns == "" {
				ns = defaultNamespace
			}
		}
		acc.SetNamespace(ns)
		if acc.GetName() == "" {
			acc.SetName(o.Name)
		}
		m := o
		m.Namespace = ns
		m.Name = acc.GetName()
		if info.Namespaced {
			if msgs := validateNamespaceName(ns, false); len(msgs) > 0 {
				errs = append(errs, m.Errorf("metadata.namespace", "metadata.namespace: Invalid value: %q: %s", ns, msgs[0]))
				continue
			}
			if _, exists := c.objs[key{"Namespace", "", ns}]; !exists && !batchNS[ns] {
				errs = append(errs, m.Errorf("metadata.namespace", "namespaces %q not found", ns))
				continue
			}
		}
		items = append(items, item{m: m, k: key{info.Kind, ns, acc.GetName()}, obj: obj})
	}
	for _, it := range items {
		old := tx.get(it.k)
		var oldObj runtime.Object
		if old != nil {
			oldObj = old.obj
		}
		applyDefaults(it.obj, oldObj, tx)
		if fe := validate(it.obj, oldObj); len(fe) > 0 {
			for _, e := range fe {
				errs = append(errs, it.m.Errorf(e.Field, "%s", e.Error()))
			}
			continue
		}
		r := &record{obj: it.obj, src: it.m}
		if old != nil {
			r.seq = old.seq
		} else {
			c.seq++
			r.seq = c.seq
		}
		tx.put(it.k, r)
	}
	if len(errs) == 0 {
		errs = append(errs, tx.allocate()...)
	}
	if len(errs) > 0 {
		return errs.Err()
	}
	for k, r := range tx.pending {
		c.version++
		finishMeta(r, c.objs[k], c.version)
		c.objs[k] = r
	}
	c.gen++
	c.rebuild()
	return nil
}

// txn is an Apply in progress: objects accepted so far, on top of the
// stored ones.
type txn struct {
	c       *Cluster
	pending map[key]*record
	order   []key
}

func (t *txn) get(k key) *record {
	if r, ok := t.pending[k]; ok {
		return r
	}
	return t.c.objs[k]
}

func (t *txn) put(k key, r *record) {
	if _, ok := t.pending[k]; !ok {
		t.order = append(t.order, k)
	}
	t.pending[k] = r
}

// each calls f for every object of a kind in the state the txn would
// leave, stored ones first (in creation order), then the new ones.
func (t *txn) each(kind string, f func(k key, r *record, isNew bool)) {
	var keys []key
	for k := range t.c.objs {
		if k.kind == kind {
			if _, replaced := t.pending[k]; !replaced {
				keys = append(keys, k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool { return t.c.objs[keys[i]].seq < t.c.objs[keys[j]].seq })
	for _, k := range keys {
		f(k, t.c.objs[k], false)
	}
	for _, k := range t.order {
		if k.kind == kind {
			f(k, t.pending[k], true)
		}
	}
}

// Get reads an object back as the API server returns it: defaulted, with
// status. Kind is matched as kubectl matches resource names: the Kind in
// any case, the plural, or a short name (svc, netpol, ing, deploy, po, ns,
// ep, ...). An empty namespace means "default" for namespaced kinds. It
// returns an error wrapping cluster.ErrNotFound when there is no such
// object.
func (c *Cluster) Get(_ context.Context, ref cluster.ObjectRef) (*unstructured.Unstructured, error) {
	info, ok := manifest.LookupKind(ref.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %q: the offline cluster has %s", ref.Kind, knownKinds())
	}
	ns := ref.Namespace
	if !info.Namespaced {
		ns = ""
	} else if ns == "" {
		ns = "default"
	}
	c.mu.RLock()
	v := c.view
	c.mu.RUnlock()
	obj, ok := v.all[key{info.Kind, ns, ref.Name}]
	if !ok {
		return nil, &NotFoundError{Resource: info.Plural, Namespace: ns, Name: ref.Name}
	}
	return toUnstructured(obj)
}

// NotFoundError is Get's error for a missing object; it wraps
// cluster.ErrNotFound.
type NotFoundError struct {
	Resource, Namespace, Name string
}

func (e *NotFoundError) Error() string {
	if e.Namespace == "" {
		return fmt.Sprintf("%s %q not found", e.Resource, e.Name)
	}
	return fmt.Sprintf("%s %q not found in namespace %q", e.Resource, e.Name, e.Namespace)
}

func (e *NotFoundError) Unwrap() error { return cluster.ErrNotFound }

func knownKinds() string {
	var names []string
	for _, k := range manifest.Kinds() {
		names = append(names, k.Kind)
	}
	return strings.Join(names, ", ")
}

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// Objects returns a copy of what the network model needs: every node,
// namespace, pod, Service, EndpointSlice, NetworkPolicy, Ingress,
// IngressClass and Deployment, as read back from the cluster, sorted by
// namespace and name.
func (c *Cluster) Objects() netmodel.Objects {
	c.mu.RLock()
	v := c.view
	c.mu.RUnlock()
	return copyObjects(v.objs)
}

// Model returns the network model of the cluster's current state, built
// once per state.
func (c *Cluster) Model() *netmodel.Model {
	c.mu.RLock()
	v, gen := c.view, c.gen
	c.mu.RUnlock()
	c.modelMu.Lock()
	defer c.modelMu.Unlock()
	if c.model == nil || c.modelGen != gen {
		// A pod pinned outside the pod network is a host to the model,
		// as its stand-in is on a live cluster.
		c.model = netmodel.New(v.objs, netmodel.Options{PodNetwork: []netip.Prefix{podPrefix}})
		c.modelGen = gen
	}
	return c.model
}

// finishMeta sets what the API server sets on create and update: uid,
// creationTimestamp, generation and resourceVersion.
func finishMeta(r *record, old *record, version int) {
	acc, err := meta.Accessor(r.obj)
	if err != nil {
		return
	}
	k := r.obj.GetObjectKind().GroupVersionKind().Kind
	acc.SetUID(uid(k, acc.GetNamespace(), acc.GetName(), r.seq))
	acc.SetCreationTimestamp(metav1.NewTime(epoch.Add(secondsOf(r.seq))))
	acc.SetResourceVersion(fmt.Sprint(version))
	gen := int64(1)
	if old != nil {
		if oa, err := meta.Accessor(old.obj); err == nil {
			gen = oa.GetGeneration()
			if specChanged(old.obj, r.obj) {
				gen++
			}
		}
	}
	if !hasSpec(r.obj) {
		gen = 0
	}
	acc.SetGeneration(gen)
}
