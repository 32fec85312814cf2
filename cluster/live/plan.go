package live

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

// plan is how one probe is sent live. Where the traffic goes is the
// model's route (netmodel.Route): the plan sends it to the same entry and
// adds only what the data plane needs, where the client runs (a pod's own
// agnhost container, a probe pod, a host stand-in, a node, the outside
// client) and what it sends, so that a live verdict that differs from the
// model's points at the data plane alone.
type plan struct {
	route    *netmodel.Route
	sender   Sender
	key      string // batches attempts of the same sender
	from     string // where the traffic starts, for messages
	att      Attempt
	identify *Attempt // GET /hostname on the same address: which pod answers
	ingress  bool
	// noTraffic is set when there is nothing to send traffic to (the
	// route has no entry: a pod without an IP, a Service without a load
	// balancer address ...).
	noTraffic *probe.Result
	notes     []string // data-plane notes (the route's are the model's reasons)
}

// plan decides where the client runs and what it sends to the route's
// entry.
func (b *Backend) plan(ctx context.Context, snap *snapshot, spec probe.Spec, rt *netmodel.Route, ext Sender, extErr error) (*plan, error) {
	proto, err := probe.ParseProtocol(string(spec.Protocol))
	if err != nil {
		return nil, err
	}
	pl := &plan{route: rt, att: Attempt{Proto: proto, Timeout: b.opts.Timeout}}
	if err := b.planSource(ctx, snap, spec.From, ext, extErr, pl); err != nil {
		return nil, err
	}
	if err := b.planTarget(ctx, snap, spec, pl); err != nil {
		return nil, err
	}
	if spec.HTTP != nil && !pl.ingress && pl.noTraffic == nil {
		if proto != probe.TCP {
			return nil, fmt.Errorf("an HTTP expectation needs a TCP probe, not %s", proto)
		}
		pl.att.HTTP = true
		pl.att.Path = spec.HTTP.Path
		if pl.att.Path == "" {
			pl.att.Path = "/"
		}
		id := pl.att
		id.Path = "/hostname"
		pl.identify = &id
	}
	return pl, nil
}

// planSource picks where the client runs.
func (b *Backend) planSource(ctx context.Context, snap *snapshot, src probe.Source, ext Sender, extErr error, pl *plan) error {
	switch src.Kind {
	case probe.FromExternal:
		if extErr != nil {
			return fmt.Errorf("cannot send traffic from outside the cluster: %w", extErr)
		}
		pl.sender, pl.key, pl.from = b.senderOf("external", ext), "external", "outside the cluster ("+ext.String()+")"
		return nil
	case probe.FromIP:
		if n := pl.route.Source.Node; n != "" {
			r, err := b.nodeProbePod(ctx, n)
			if err != nil {
				return err
			}
			pl.sender, pl.key, pl.from = b.sender("node:"+n, r), "node:"+n, "node "+n+" ("+src.IP.String()+")"
			return nil
		}
		if p := snap.model.PodAt(src.IP); p != nil {
			return fmt.Errorf("ip:%s is the address of pod %s/%s: name the pod as the source", src.IP, p.Namespace, p.Name)
		}
		r, err := b.host(ctx, snap, src.IP, nil)
		if err != nil {
			return err
		}
		pl.sender, pl.key, pl.from = b.sender("host:"+src.IP.String(), r), "host:"+src.IP.String(), "host "+src.IP.String()
		pl.notes = append(pl.notes, fmt.Sprintf("live, the host %s is a stand-in pod in namespace %s that sends from that address; the nodes route it back", src.IP, SystemNamespace))
		return nil
	case probe.FromPod:
		key := src.Namespace + "/" + src.Name
		if pp, ok := snap.pinned[key]; ok {
			r, err := b.host(ctx, snap, pp.Addr, pp.Listen)
			if err != nil {
				return fmt.Errorf("source %s (%s, an address outside the pod network): %w", key, pp.Addr, err)
			}
			pl.sender, pl.key, pl.from = b.sender("host:"+pp.Addr.String(), r), "host:"+pp.Addr.String(), fmt.Sprintf("%s (the host %s standing in for it)", key, pp.Addr)
			pl.notes = append(pl.notes, pinnedNote(key, pp.Addr))
			return nil
		}
		p := pl.route.Source.Pod
		if p == nil {
			return fmt.Errorf("source pod %s does not exist", key)
		}
		r, how, err := b.podSender(ctx, p)
		if err != nil {
			return err
		}
		pl.sender, pl.key, pl.from = b.sender("pod:"+r.String(), r), "pod:"+r.String(), "pod "+key
		if how != "" {
			pl.notes = append(pl.notes, how)
		}
		return nil
	}
	return fmt.Errorf("unknown source kind %q", src.Kind)
}

// planTarget sends to the route's entry: what the data plane needs there
// is a host stand-in at a pinned pod's address, the outside client's
// route to an external IP, and for an Ingress the HTTP request itself.
func (b *Backend) planTarget(ctx context.Context, snap *snapshot, spec probe.Spec, pl *plan) error {
	e := pl.route.Entry
	if e.Host == "" {
		why := "nothing to send it to"
		if rs := pl.route.Result.Reasons; len(rs) > 0 {
			why = rs[0]
		}
		pl.noTraffic = &probe.Result{Outcome: probe.Unreachable, Reasons: []string{"Live: no traffic sent: " + why}}
		return nil
	}
	if e.Port == 0 {
		return fmt.Errorf("%s: the probe needs a port number", spec.To)
	}
	pl.att.Host, pl.att.Port = e.Host, e.Port
	if addr, err := netip.ParseAddr(e.Host); err == nil {
		if spec.From.Kind == probe.FromExternal && spec.To.Kind == probe.ToIP && e.Node == "" {
			if err := b.routeExternalIP(ctx, addr, e, pl); err != nil {
				return err
			}
		}
		if pp, ok := snap.pinnedAt(addr); ok && spec.From.Kind != probe.FromExternal {
			key := pp.Pod.Namespace + "/" + pp.Pod.Name
			if _, err := b.host(ctx, snap, pp.Addr, pp.Listen); err != nil {
				return fmt.Errorf("target %s (%s, an address outside the pod network): %w", key, pp.Addr, err)
			}
			pl.notes = append(pl.notes, pinnedNote(key, pp.Addr))
		}
	}
	if t := spec.To; t.Kind == probe.ToIngress {
		pl.ingress = true
		pl.att.HTTP, pl.att.HTTPHost, pl.att.Path = true, t.Host, t.Path
		if pl.att.Path == "" {
			pl.att.Path = "/"
		}
	}
	return nil
}

// pinnedAt finds the pinned pod at an address.
func (s *snapshot) pinnedAt(ip netip.Addr) (PinnedPod, bool) {
	for _, pp := range s.pinned {
		if pp.Addr == ip {
			return pp, true
		}
	}
	return PinnedPod{}, false
}

func pinnedNote(key string, addr netip.Addr) string {
	return fmt.Sprintf("live, %s is a host stand-in with the address %s that the lab pins for it (a cluster cannot give a pod an address outside its pod network): NetworkPolicy sees it as a host outside the cluster, as the offline model does", key, addr)
}

// routeExternalIP lets the outside client reach an address the route
// enters through a node (a Service's external IP that no node owns), as
// the network in front of a real cluster routes spec.externalIPs to its
// nodes. For any other address, the route goes (a previous probe may have
// added it).
func (b *Backend) routeExternalIP(ctx context.Context, ip netip.Addr, e netmodel.Entry, pl *plan) error {
	r, ok := b.opts.Outside.(Router)
	if !ok {
		return nil
	}
	if err := r.Route(ctx, ip, e.Via); err != nil {
		return fmt.Errorf("route %s from outside the cluster: %w", ip, err)
	}
	if e.Via.IsValid() {
		pl.notes = append(pl.notes, fmt.Sprintf("live, the outside client's network routes %s (a Service's spec.externalIPs) to node %s (%s), as the network in front of a cluster would", ip, e.ViaNode, e.Via))
	}
	return nil
}

// controllers are the ingress controller pods the request goes to (the
// backends of the route's first hop).
func (pl *plan) controllers() []*corev1.Pod {
	if !pl.ingress || len(pl.route.Hops) == 0 {
		return nil
	}
	var out []*corev1.Pod
	for _, be := range pl.route.Hops[0].Backends {
		if be.Pod != nil {
			out = append(out, be.Pod)
		}
	}
	return out
}
