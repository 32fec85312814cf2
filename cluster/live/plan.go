package live

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ckadlab/ckadlab/netmodel"
	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
)

// plan decides where a probe's traffic starts and where it goes, from the
// live objects, exactly as the probe names it (a ClusterIP, a DNS name
// resolved by the source, a node port on a node's address ...).
func (b *Backend) plan(ctx context.Context, snap *snapshot, spec probe.Spec, pred probe.Result, ext Sender, extErr error) (*plan, error) {
	proto, err := probe.ParseProtocol(string(spec.Protocol))
	if err != nil {
		return nil, err
	}
	pl := &plan{att: Attempt{Proto: proto, Timeout: b.opts.Timeout}}
	if err := b.planSource(ctx, snap, spec.From, ext, extErr, pl); err != nil {
		return nil, err
	}
	srcNS := ""
	if spec.From.Kind == probe.FromPod {
		srcNS = spec.From.Namespace
	}
	if err := b.planTarget(ctx, snap, spec, srcNS, pred, pl); err != nil {
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

func (b *Backend) planSource(ctx context.Context, snap *snapshot, src probe.Source, ext Sender, extErr error, pl *plan) error {
	switch src.Kind {
	case probe.FromExternal:
		if extErr != nil {
			return fmt.Errorf("cannot send traffic from outside the cluster: %w", extErr)
		}
		pl.sender, pl.key, pl.from = ext, "external", "outside the cluster ("+ext.String()+")"
		return nil
	case probe.FromIP:
		if n, ok := snap.nodeByIP(src.IP); ok {
			r, err := b.nodeProbePod(ctx, n)
			if err != nil {
				return err
			}
			pl.sender, pl.key, pl.from = CommandSender(r), "node:"+n.Name, "node "+n.Name+" ("+src.IP.String()+")"
			return nil
		}
		if p := snap.podByIP[src.IP.String()]; p != nil {
			return fmt.Errorf("ip:%s is the address of pod %s/%s: name the pod as the source", src.IP, p.Namespace, p.Name)
		}
		r, err := b.host(ctx, snap, src.IP, nil)
		if err != nil {
			return err
		}
		pl.sender, pl.key, pl.from = CommandSender(r), "host:"+src.IP.String(), "host "+src.IP.String()
		pl.notes = append(pl.notes, fmt.Sprintf("live, the host %s is a stand-in pod in namespace %s that sends from that address; the nodes route it back", src.IP, SystemNamespace))
		return nil
	case probe.FromPod:
		key := src.Namespace + "/" + src.Name
		if pp, ok := snap.pinned[key]; ok {
			r, err := b.host(ctx, snap, pp.Addr, pp.Listen)
			if err != nil {
				return fmt.Errorf("source %s (%s, an address outside the pod network): %w", key, pp.Addr, err)
			}
			pl.sender, pl.key, pl.from = CommandSender(r), "host:"+pp.Addr.String(), fmt.Sprintf("%s (the host %s standing in for it)", key, pp.Addr)
			pl.notes = append(pl.notes, pinnedNote(key, pp.Addr))
			return nil
		}
		p := snap.pods[key]
		if p == nil {
			return fmt.Errorf("source pod %s does not exist", key)
		}
		pl.srcPod = p
		r, how, err := b.podSender(ctx, p)
		if err != nil {
			return err
		}
		pl.sender, pl.key, pl.from = CommandSender(r), "pod:"+r.String(), "pod "+key
		if how != "" {
			pl.notes = append(pl.notes, how)
		}
		return nil
	}
	return fmt.Errorf("unknown source kind %q", src.Kind)
}

func (b *Backend) planTarget(ctx context.Context, snap *snapshot, spec probe.Spec, srcNS string, pred probe.Result, pl *plan) error {
	t := spec.To
	none := func(format string, a ...any) error {
		pl.noTraffic = &probe.Result{Outcome: probe.Unreachable, Reasons: []string{"Live: no traffic sent: " + fmt.Sprintf(format, a...)}}
		return nil
	}
	switch t.Kind {
	case probe.ToPod:
		key := t.Namespace + "/" + t.Name
		if pp, ok := snap.pinned[key]; ok {
			return b.toPinned(ctx, snap, pp, spec.Port, pl)
		}
		p := snap.pods[key]
		if p == nil {
			return none("pod %s does not exist", key)
		}
		if p.Status.PodIP == "" || p.Status.Phase != corev1.PodRunning {
			return none("pod %s has no IP (it is %s)", key, p.Status.Phase)
		}
		port, err := podPort(p, spec.Port, pl.att.Proto)
		if err != nil {
			return err
		}
		pl.att.Host, pl.att.Port = p.Status.PodIP, port
		pl.candidates = []*corev1.Pod{p}
	case probe.ToService:
		s := snap.services[t.Namespace+"/"+t.Name]
		if s == nil {
			return none("Service %s/%s does not exist", t.Namespace, t.Name)
		}
		return b.toService(snap, s, spec.Port, pl)
	case probe.ToDNS:
		pl.att.Host = t.Name
		s := snap.serviceByName(t.Name, srcNS)
		if spec.Port.Number != 0 {
			pl.att.Port = spec.Port.Number
		} else {
			if s == nil {
				return fmt.Errorf("dns:%s: the probe needs a port number", t.Name)
			}
			sp, err := servicePort(s, spec.Port, pl.att.Proto)
			if err != nil {
				return err
			}
			pl.att.Port = int(sp.Port)
		}
		if s = snap.followExternalName(s); s != nil {
			pl.svc = s
			pl.candidates = snap.endpointPods(s)
		}
	case probe.ToIP:
		pl.att.Host = t.IP.String()
		if spec.From.Kind == probe.FromExternal {
			if err := b.routeExternalIP(ctx, snap, t.IP, pl); err != nil {
				return err
			}
		}
		if pp, ok := snap.pinnedAt(t.IP); ok && spec.From.Kind != probe.FromExternal {
			return b.toPinned(ctx, snap, pp, spec.Port, pl)
		}
		if p := snap.podByIP[t.IP.String()]; p != nil {
			port, err := podPort(p, spec.Port, pl.att.Proto)
			if err != nil {
				return err
			}
			pl.att.Port = port
			pl.candidates = []*corev1.Pod{p}
			return nil
		}
		if spec.Port.Number == 0 {
			if s := snap.serviceByClusterIP(t.IP); s != nil {
				sp, err := servicePort(s, spec.Port, pl.att.Proto)
				if err != nil {
					return err
				}
				pl.att.Port = int(sp.Port)
				pl.svc, pl.candidates = s, snap.endpointPods(s)
				return nil
			}
			return fmt.Errorf("ip:%s: the probe needs a port number", t.IP)
		}
		pl.att.Port = spec.Port.Number
		if s := snap.serviceAt(t.IP, spec.Port.Number, pl.att.Proto); s != nil {
			pl.svc, pl.candidates = s, snap.endpointPods(s)
		}
	case probe.ToNodePort:
		addr, name, ok := snap.nodeAddress()
		if !ok {
			return none("the cluster has no node with an InternalIP")
		}
		pl.att.Host, pl.att.Port = addr.String(), t.NodePort
		pl.notes = append(pl.notes, fmt.Sprintf("node port %d on node %s (%s)", t.NodePort, name, addr))
		if s := snap.serviceByNodePort(t.NodePort, pl.att.Proto); s != nil {
			pl.svc, pl.candidates = s, snap.endpointPods(s)
		}
	case probe.ToLB:
		s := snap.services[t.Namespace+"/"+t.Name]
		if s == nil {
			return none("Service %s/%s does not exist", t.Namespace, t.Name)
		}
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			return none("Service %s/%s is type %s: it has no load balancer address", t.Namespace, t.Name, s.Spec.Type)
		}
		ip := lbIP(s)
		if !ip.IsValid() {
			return none("Service %s/%s has no load balancer address (EXTERNAL-IP pending)", t.Namespace, t.Name)
		}
		sp, err := servicePort(s, spec.Port, pl.att.Proto)
		if err != nil {
			return err
		}
		pl.att.Host, pl.att.Port = ip.String(), int(sp.Port)
		pl.svc, pl.candidates = s, snap.endpointPods(s)
	case probe.ToIngress:
		ic := netmodel.DefaultIngressController
		s := snap.services[ic.Namespace+"/"+ic.Service]
		if s == nil {
			return none("the ingress controller Service %s/%s does not exist", ic.Namespace, ic.Service)
		}
		port := spec.Port.Number
		if port == 0 {
			port = 80
		}
		host := s.Spec.ClusterIP
		if spec.From.Kind != probe.FromPod {
			ip := lbIP(s)
			if !ip.IsValid() {
				return none("the ingress controller Service %s/%s has no load balancer address", ic.Namespace, ic.Service)
			}
			host = ip.String()
		}
		pl.ingress = true
		pl.att.Host, pl.att.Port, pl.att.HTTP = host, port, true
		pl.att.HTTPHost, pl.att.Path = t.Host, t.Path
		if pl.att.Path == "" {
			pl.att.Path = "/"
		}
		pl.candidates = snap.ingressControllerPods()
		if pred.Service != "" {
			if bs := snap.services[pred.Service]; bs != nil {
				pl.candidates = append(pl.candidates, snap.endpointPods(bs)...)
			}
		}
	default:
		return fmt.Errorf("unknown target kind %q", t.Kind)
	}
	return nil
}

// toPinned targets the host stand-in of a pinned pod at its address.
func (b *Backend) toPinned(ctx context.Context, snap *snapshot, pp PinnedPod, p probe.Port, pl *plan) error {
	key := pp.Pod.Namespace + "/" + pp.Pod.Name
	port := p.Number
	if port == 0 {
		var err error
		if port, err = podPort(pp.modelPodPtr(), p, pl.att.Proto); err != nil {
			return err
		}
	}
	if _, err := b.host(ctx, snap, pp.Addr, pp.Listen); err != nil {
		return fmt.Errorf("target %s (%s, an address outside the pod network): %w", key, pp.Addr, err)
	}
	pl.att.Host, pl.att.Port = pp.Addr.String(), port
	pl.notes = append(pl.notes, pinnedNote(key, pp.Addr))
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

// toService targets a Service the way a client names it: its ClusterIP,
// or for ExternalName its DNS name, or for a headless Service its name
// (which resolves to the pods).
func (b *Backend) toService(snap *snapshot, s *corev1.Service, p probe.Port, pl *plan) error {
	key := s.Namespace + "/" + s.Name
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		pl.att.Host = s.Spec.ExternalName
		if p.Number != 0 {
			pl.att.Port = p.Number
		} else {
			sp, err := servicePort(s, p, pl.att.Proto)
			if err != nil {
				return err
			}
			pl.att.Port = int(sp.Port)
		}
		if target := snap.followExternalName(s); target != nil && target != s {
			pl.svc, pl.candidates = target, snap.endpointPods(target)
		}
		pl.notes = append(pl.notes, fmt.Sprintf("Service %s is an ExternalName: clients connect to %s", key, s.Spec.ExternalName))
	case s.Spec.ClusterIP == corev1.ClusterIPNone:
		pl.att.Host = s.Name + "." + s.Namespace + ".svc.cluster.local"
		if p.Number != 0 {
			pl.att.Port = p.Number
		} else {
			sp, err := servicePort(s, p, pl.att.Proto)
			if err != nil {
				return err
			}
			port, err := snap.endpointPort(s, sp)
			if err != nil {
				return err
			}
			pl.att.Port = port
		}
		pl.svc, pl.candidates = s, snap.endpointPods(s)
	default:
		sp, err := servicePort(s, p, pl.att.Proto)
		if err != nil {
			return err
		}
		pl.att.Host, pl.att.Port = s.Spec.ClusterIP, int(sp.Port)
		pl.svc, pl.candidates = s, snap.endpointPods(s)
	}
	return nil
}

// podPort is the probe's port on a pod: a number, a named container port,
// or the pod's only declared port of the protocol.
func podPort(p *corev1.Pod, sp probe.Port, proto probe.Protocol) (int, error) {
	if sp.Number != 0 {
		return sp.Number, nil
	}
	var same []int
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if string(protoOf(cp.Protocol)) != string(proto) {
				continue
			}
			if sp.Name != "" && cp.Name == sp.Name {
				return int(cp.ContainerPort), nil
			}
			same = append(same, int(cp.ContainerPort))
		}
	}
	if sp.Name != "" {
		return 0, fmt.Errorf("pod %s/%s has no %s container port named %q", p.Namespace, p.Name, proto, sp.Name)
	}
	if len(same) == 1 {
		return same[0], nil
	}
	return 0, fmt.Errorf("probe to pod %s/%s needs a port: it declares %d %s container ports", p.Namespace, p.Name, len(same), proto)
}

func protoOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// servicePort picks the Service port a probe names (number or name), or
// its only port of the protocol.
func servicePort(s *corev1.Service, p probe.Port, proto probe.Protocol) (*corev1.ServicePort, error) {
	var same []*corev1.ServicePort
	for i := range s.Spec.Ports {
		sp := &s.Spec.Ports[i]
		if string(protoOf(sp.Protocol)) != string(proto) {
			continue
		}
		switch {
		case p.Number != 0 && int(sp.Port) == p.Number:
			return sp, nil
		case p.Name != "" && sp.Name == p.Name:
			return sp, nil
		}
		same = append(same, sp)
	}
	if p.Number != 0 {
		// nothing serves that port: connect anyway, the cluster refuses it
		return &corev1.ServicePort{Port: int32(p.Number), Protocol: corev1.Protocol(proto)}, nil
	}
	if p.Name != "" {
		return nil, fmt.Errorf("Service %s/%s has no %s port named %q", s.Namespace, s.Name, proto, p.Name)
	}
	if len(same) == 1 {
		return same[0], nil
	}
	return nil, fmt.Errorf("probe to Service %s/%s needs a port: it has %d %s ports", s.Namespace, s.Name, len(same), proto)
}

func lbIP(s *corev1.Service) netip.Addr {
	for _, in := range s.Status.LoadBalancer.Ingress {
		if a, err := netip.ParseAddr(in.IP); err == nil {
			return a
		}
	}
	return netip.Addr{}
}

// serviceByName resolves a DNS name to a Service of the snapshot the way
// a pod in namespace ns would (search path ns.svc.cluster.local,
// svc.cluster.local, cluster.local).
func (s *snapshot) serviceByName(name, ns string) *corev1.Service {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	name = strings.TrimSuffix(name, ".cluster.local")
	parts := strings.Split(name, ".")
	switch {
	case len(parts) == 1 && ns != "":
		return s.services[ns+"/"+parts[0]]
	case len(parts) == 2 && parts[1] != "svc":
		return s.services[parts[1]+"/"+parts[0]]
	case len(parts) == 3 && parts[2] == "svc":
		return s.services[parts[1]+"/"+parts[0]]
	}
	return nil
}

// followExternalName follows ExternalName Services whose names are
// Services of the cluster (at most 8 hops) to the Service that serves.
func (s *snapshot) followExternalName(svc *corev1.Service) *corev1.Service {
	for i := 0; svc != nil && svc.Spec.Type == corev1.ServiceTypeExternalName && i < 8; i++ {
		next := s.serviceByName(svc.Spec.ExternalName, "")
		if next == nil {
			return svc
		}
		svc = next
	}
	return svc
}

func (s *snapshot) serviceByClusterIP(ip netip.Addr) *corev1.Service {
	for i := range s.objs.Services {
		sv := &s.objs.Services[i]
		for _, c := range append([]string{sv.Spec.ClusterIP}, sv.Spec.ClusterIPs...) {
			if c == ip.String() {
				return sv
			}
		}
	}
	return nil
}

// serviceAt finds the Service kube-proxy serves on ip:port (a ClusterIP, a
// load balancer address, an external IP, or a node port on a node address).
func (s *snapshot) serviceAt(ip netip.Addr, port int, proto probe.Protocol) *corev1.Service {
	for i := range s.objs.Services {
		sv := &s.objs.Services[i]
		addrs := append([]string{sv.Spec.ClusterIP}, sv.Spec.ExternalIPs...)
		for _, in := range sv.Status.LoadBalancer.Ingress {
			addrs = append(addrs, in.IP)
		}
		for _, a := range addrs {
			if a != ip.String() {
				continue
			}
			for _, sp := range sv.Spec.Ports {
				if int(sp.Port) == port && string(protoOf(sp.Protocol)) == string(proto) {
					return sv
				}
			}
		}
	}
	if _, ok := s.nodeByIP(ip); ok {
		return s.serviceByNodePort(port, proto)
	}
	return nil
}

func (s *snapshot) serviceByNodePort(port int, proto probe.Protocol) *corev1.Service {
	for i := range s.objs.Services {
		sv := &s.objs.Services[i]
		for _, sp := range sv.Spec.Ports {
			if int(sp.NodePort) == port && string(protoOf(sp.Protocol)) == string(proto) {
				return sv
			}
		}
	}
	return nil
}

// endpointPort is the port a headless Service's name reaches for a
// Service port (its targetPort, resolved per pod by the EndpointSlices).
func (s *snapshot) endpointPort(svc *corev1.Service, sp *corev1.ServicePort) (int, error) {
	if sp.TargetPort.IntValue() != 0 {
		return sp.TargetPort.IntValue(), nil
	}
	for _, es := range s.objs.EndpointSlices {
		if es.Namespace != svc.Namespace || es.Labels["kubernetes.io/service-name"] != svc.Name {
			continue
		}
		for _, p := range es.Ports {
			if p.Port != nil && p.Name != nil && *p.Name == sp.Name {
				return int(*p.Port), nil
			}
		}
	}
	if sp.TargetPort.StrVal == "" {
		return int(sp.Port), nil
	}
	return 0, fmt.Errorf("headless Service %s/%s: no endpoint resolves target port %q", svc.Namespace, svc.Name, sp.TargetPort.StrVal)
}

func pinnedNote(key string, addr netip.Addr) string {
	return fmt.Sprintf("live, %s is a host stand-in with the address %s that the lab pins for it (a cluster cannot give a pod an address outside its pod network): NetworkPolicy sees it as a host outside the cluster, as the offline model does", key, addr)
}

// routeExternalIP lets the outside client reach a Service's external IP
// that is not a node address, through the first node, as the network in
// front of a real cluster routes spec.externalIPs to its nodes. For any
// other address, the route goes (a previous probe may have added it).
func (b *Backend) routeExternalIP(ctx context.Context, snap *snapshot, ip netip.Addr, pl *plan) error {
	r, ok := b.opts.Outside.(Router)
	if !ok {
		return nil
	}
	if _, isNode := snap.nodeByIP(ip); isNode {
		return nil
	}
	var via netip.Addr
	name := ""
	if snap.isExternalIP(ip) {
		via, name, _ = snap.nodeAddress()
	}
	if err := r.Route(ctx, ip, via); err != nil {
		return fmt.Errorf("route %s from outside the cluster: %w", ip, err)
	}
	if via.IsValid() {
		pl.notes = append(pl.notes, fmt.Sprintf("live, the outside client's network routes %s (a Service's spec.externalIPs) to node %s (%s), as the network in front of a cluster would", ip, name, via))
	}
	return nil
}
