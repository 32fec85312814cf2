package offline

import (
	"context"

	"github.com/ckadlab/ckadlab/cluster"
	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Backend is the offline cluster as a cluster.Backend: Get reads objects
// back, Probe asks the network model built from the cluster's current
// state (once per state; safe for concurrent probes).
type Backend struct {
	c *Cluster
}

var _ cluster.Backend = (*Backend)(nil)

// NewBackend wraps a cluster.
func NewBackend(c *Cluster) *Backend { return &Backend{c: c} }

// Name is "offline".
func (b *Backend) Name() string { return "offline" }

// Get reads an object back as the API server would return it.
func (b *Backend) Get(ctx context.Context, ref cluster.ObjectRef) (*unstructured.Unstructured, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return b.c.Get(ctx, ref)
}

// Probe decides a probe with the network model.
func (b *Backend) Probe(ctx context.Context, spec probe.Spec) (probe.Result, error) {
	if err := ctx.Err(); err != nil {
		return probe.Result{}, err
	}
	return b.c.Model().Probe(spec)
}

// copyObjects copies every object so that callers may change them.
func copyObjects(o netmodel.Objects) netmodel.Objects {
	return netmodel.Objects{
		Nodes:           deepCopies(o.Nodes),
		Namespaces:      deepCopies(o.Namespaces),
		Pods:            deepCopies(o.Pods),
		Services:        deepCopies(o.Services),
		EndpointSlices:  deepCopies(o.EndpointSlices),
		NetworkPolicies: deepCopies(o.NetworkPolicies),
		Ingresses:       deepCopies(o.Ingresses),
		IngressClasses:  deepCopies(o.IngressClasses),
		Deployments:     deepCopies(o.Deployments),
	}
}

// deepCopies deep-copies a list of API objects (nil stays nil).
func deepCopies[T any, P interface {
	*T
	DeepCopy() *T
}](in []T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i := range in {
		out[i] = *P(&in[i]).DeepCopy()
	}
	return out
}
