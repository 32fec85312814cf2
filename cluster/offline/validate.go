package offline

import (
	"fmt"
	"net/netip"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// This file checks objects the way the API server's validation does, for
// the fields learners write, with the API server's messages
// ("spec.ports[0].nodePort: Invalid value: 80: provided port is not in the
// valid range. The range of valid ports is 30000-32767").

var validateNamespaceName = apimachineryvalidation.ValidateNamespaceName

var protocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}

func validProtocol(p corev1.Protocol) bool {
	return p == corev1.ProtocolTCP || p == corev1.ProtocolUDP || p == corev1.ProtocolSCTP
}

// validate checks a defaulted object (old is the object it replaces, or
// nil).
func validate(obj, old runtime.Object) field.ErrorList {
	switch o := obj.(type) {
	case *corev1.Namespace:
		return validateMeta(&o.ObjectMeta, apimachineryvalidation.ValidateNamespaceName)
	case *corev1.Pod:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		errs = append(errs, validatePodSpec(&o.Spec, field.NewPath("spec"))...)
		if o.Status.PodIP != "" {
			if _, err := netip.ParseAddr(o.Status.PodIP); err != nil {
				errs = append(errs, field.Invalid(field.NewPath("status", "podIP"), o.Status.PodIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
			}
		}
		return errs
	case *appsv1.Deployment:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		errs = append(errs, validateWorkload(o.Spec.Replicas, o.Spec.Selector, &o.Spec.Template, "deployment", oldSelector(old))...)
		return errs
	case *appsv1.ReplicaSet:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		errs = append(errs, validateWorkload(o.Spec.Replicas, o.Spec.Selector, &o.Spec.Template, "replicaset", oldSelector(old))...)
		return errs
	case *appsv1.StatefulSet:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSLabel)
		errs = append(errs, validateWorkload(o.Spec.Replicas, o.Spec.Selector, &o.Spec.Template, "statefulset", oldSelector(old))...)
		return errs
	case *appsv1.DaemonSet:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		errs = append(errs, validateWorkload(nil, o.Spec.Selector, &o.Spec.Template, "daemonset", oldSelector(old))...)
		return errs
	case *corev1.Service:
		var oldSvc *corev1.Service
		if s, ok := old.(*corev1.Service); ok {
			oldSvc = s
		}
		return validateService(o, oldSvc)
	case *networkingv1.NetworkPolicy:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		return append(errs, validateNetworkPolicy(&o.Spec, field.NewPath("spec"))...)
	case *networkingv1.Ingress:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		return append(errs, validateIngress(o)...)
	case *networkingv1.IngressClass:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		if o.Spec.Controller == "" {
			errs = append(errs, field.Required(field.NewPath("spec", "controller"), ""))
		} else {
			errs = append(errs, validation.IsDomainPrefixedPath(field.NewPath("spec", "controller"), o.Spec.Controller)...)
		}
		return errs
	case *corev1.ConfigMap:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		for k := range o.Data {
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
			}
		}
		return errs
	case *corev1.Secret:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		for k := range o.Data {
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
			}
		}
		return errs
	case *corev1.ServiceAccount:
		return validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
	//lint:ignore SA1019 the offline cluster serves v1 Endpoints as kube-apiserver still does (learners write them for Services without a selector)
	case *corev1.Endpoints:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		for i, ss := range o.Subsets {
			p := field.NewPath("subsets").Index(i)
			for j, a := range append(append([]corev1.EndpointAddress{}, ss.Addresses...), ss.NotReadyAddresses...) {
				if _, err := netip.ParseAddr(a.IP); err != nil {
					errs = append(errs, field.Invalid(p.Child("addresses").Index(j).Child("ip"), a.IP, "must be a valid IP address"))
				}
			}
			for j, port := range ss.Ports {
				errs = append(errs, validatePortNum(p.Child("ports").Index(j).Child("port"), port.Port)...)
				if !validProtocol(port.Protocol) {
					errs = append(errs, field.NotSupported(p.Child("ports").Index(j).Child("protocol"), port.Protocol, protocols))
				}
			}
		}
		return errs
	case *discoveryv1.EndpointSlice:
		errs := validateMeta(&o.ObjectMeta, apimachineryvalidation.NameIsDNSSubdomain)
		switch o.AddressType {
		case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
			for i, ep := range o.Endpoints {
				for j, a := range ep.Addresses {
					if ip, err := netip.ParseAddr(a); err != nil || ip.Is4() != (o.AddressType == discoveryv1.AddressTypeIPv4) {
						errs = append(errs, field.Invalid(field.NewPath("endpoints").Index(i).Child("addresses").Index(j), a, "must be a valid "+string(o.AddressType)+" address"))
					}
				}
			}
		case discoveryv1.AddressTypeFQDN:
		case "":
			errs = append(errs, field.Required(field.NewPath("addressType"), ""))
		default:
			errs = append(errs, field.NotSupported(field.NewPath("addressType"), o.AddressType, []string{"FQDN", "IPv4", "IPv6"}))
		}
		for i, p := range o.Ports {
			if p.Port != nil {
				errs = append(errs, validatePortNum(field.NewPath("ports").Index(i).Child("port"), *p.Port)...)
			}
		}
		return errs
	}
	return nil
}

// validateMeta checks the name and labels.
func validateMeta(m *metav1.ObjectMeta, nameFn apimachineryvalidation.ValidateNameFunc) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range nameFn(m.Name, false) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), m.Name, msg))
	}
	errs = append(errs, metavalidation.ValidateLabels(m.Labels, field.NewPath("metadata", "labels"))...)
	return errs
}

func validatePortNum(p *field.Path, port int32) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(p, port, msg))
	}
	return errs
}

func oldSelector(old runtime.Object) *metav1.LabelSelector {
	switch o := old.(type) {
	case *appsv1.Deployment:
		return o.Spec.Selector
	case *appsv1.ReplicaSet:
		return o.Spec.Selector
	case *appsv1.StatefulSet:
		return o.Spec.Selector
	case *appsv1.DaemonSet:
		return o.Spec.Selector
	}
	return nil
}

// validateWorkload checks what Deployments, ReplicaSets, StatefulSets and
// DaemonSets share: the selector (required, matching the template's
// labels, immutable) and the pod template.
func validateWorkload(replicas *int32, sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, what string, oldSel *metav1.LabelSelector) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if replicas != nil && *replicas < 0 {
		errs = append(errs, field.Invalid(spec.Child("replicas"), *replicas, "must be greater than or equal to 0"))
	}
	if sel == nil {
		errs = append(errs, field.Required(spec.Child("selector"), ""))
	} else {
		errs = append(errs, metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, spec.Child("selector"))...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(spec.Child("selector"), sel, "empty selector is invalid for "+what))
		} else if s, err := metav1.LabelSelectorAsSelector(sel); err == nil && !s.Matches(labels.Set(tmpl.Labels)) {
			errs = append(errs, field.Invalid(spec.Child("template", "metadata", "labels"), tmpl.Labels, "`selector` does not match template `labels`"))
		}
		if oldSel != nil && !equalSelectors(sel, oldSel) {
			errs = append(errs, field.Invalid(spec.Child("selector"), sel, "field is immutable"))
		}
	}
	errs = append(errs, metavalidation.ValidateLabels(tmpl.Labels, spec.Child("template", "metadata", "labels"))...)
	errs = append(errs, validatePodSpec(&tmpl.Spec, spec.Child("template", "spec"))...)
	if tmpl.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), tmpl.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	return errs
}

func equalSelectors(a, b *metav1.LabelSelector) bool {
	sa, err1 := metav1.LabelSelectorAsSelector(a)
	sb, err2 := metav1.LabelSelectorAsSelector(b)
	return err1 == nil && err2 == nil && sa.String() == sb.String()
}

// validatePodSpec checks containers: names, images and ports.
func validatePodSpec(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	names := map[string]bool{}
	portNames := map[string]bool{}
	check := func(cs []corev1.Container, cp *field.Path, init bool) {
		for i := range cs {
			c := &cs[i]
			ip := cp.Index(i)
			if c.Name == "" {
				errs = append(errs, field.Required(ip.Child("name"), ""))
			} else {
				for _, msg := range validation.IsDNS1123Label(c.Name) {
					errs = append(errs, field.Invalid(ip.Child("name"), c.Name, msg))
				}
				if names[c.Name] {
					errs = append(errs, field.Duplicate(ip.Child("name"), c.Name))
				}
				names[c.Name] = true
			}
			if strings.TrimSpace(c.Image) == "" {
				errs = append(errs, field.Required(ip.Child("image"), ""))
			}
			for j, port := range c.Ports {
				pp := ip.Child("ports").Index(j)
				if port.Name != "" {
					for _, msg := range validation.IsValidPortName(port.Name) {
						errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
					}
					if portNames[port.Name] {
						errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
					}
					portNames[port.Name] = true
				}
				if port.ContainerPort == 0 {
					errs = append(errs, field.Required(pp.Child("containerPort"), ""))
				} else {
					errs = append(errs, validatePortNum(pp.Child("containerPort"), port.ContainerPort)...)
				}
				if port.HostPort != 0 {
					errs = append(errs, validatePortNum(pp.Child("hostPort"), port.HostPort)...)
				}
				if !validProtocol(port.Protocol) {
					errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, protocols))
				}
			}
			sidecar := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
			for _, pr := range []struct {
				name  string
				probe *corev1.Probe
			}{{"livenessProbe", c.LivenessProbe}, {"readinessProbe", c.ReadinessProbe}, {"startupProbe", c.StartupProbe}} {
				if pr.probe == nil {
					continue
				}
				if init && !sidecar {
					errs = append(errs, field.Forbidden(ip.Child(pr.name), "may not be set for init containers without restartPolicy=Always"))
					continue
				}
				errs = append(errs, validateProbe(pr.probe, pr.name, ip.Child(pr.name))...)
			}
		}
	}
	check(s.InitContainers, p.Child("initContainers"), true)
	check(s.Containers, p.Child("containers"), false)
	switch s.RestartPolicy {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		errs = append(errs, field.NotSupported(p.Child("restartPolicy"), s.RestartPolicy, []string{"Always", "OnFailure", "Never"}))
	}
	return errs
}

func validatePortNumOrName(p *field.Path, port intstr.IntOrString) field.ErrorList {
	var errs field.ErrorList
	if port.Type == intstr.Int {
		return validatePortNum(p, port.IntVal)
	}
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(p, port.StrVal, msg))
	}
	return errs
}

func validateService(s, old *corev1.Service) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, apimachineryvalidation.NameIsDNS1035Label)
	spec := field.NewPath("spec")
	headless := s.Spec.ClusterIP == corev1.ClusterIPNone

	switch s.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName:
	default:
		errs = append(errs, field.NotSupported(spec.Child("type"), s.Spec.Type, []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}))
	}
	if len(s.Spec.Ports) == 0 && !headless && s.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(spec.Child("ports"), ""))
	}
	switch s.Spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if headless {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), s.Spec.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", s.Spec.Type)))
		}
	case corev1.ServiceTypeExternalName:
		if s.Spec.ClusterIP != "" {
			errs = append(errs, field.Forbidden(spec.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		cname := strings.TrimSuffix(s.Spec.ExternalName, ".")
		if cname == "" {
			errs = append(errs, field.Required(spec.Child("externalName"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(cname) {
				errs = append(errs, field.Invalid(spec.Child("externalName"), cname, msg))
			}
		}
	}
	if s.Spec.ClusterIP != "" && !headless && s.Spec.Type != corev1.ServiceTypeExternalName {
		if _, err := netip.ParseAddr(s.Spec.ClusterIP); err != nil {
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), s.Spec.ClusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		}
	}
	if len(s.Spec.ClusterIPs) > 0 && s.Spec.ClusterIPs[0] != s.Spec.ClusterIP {
		errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), s.Spec.ClusterIPs[0], "must match `clusterIP` when both are specified"))
	}
	if old != nil && old.Spec.Type != corev1.ServiceTypeExternalName && s.Spec.Type != corev1.ServiceTypeExternalName &&
		old.Spec.ClusterIP != "" && s.Spec.ClusterIP != old.Spec.ClusterIP {
		errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), s.Spec.ClusterIP, "may not change once set"))
	}

	names := map[string]bool{}
	type pk struct {
		proto corev1.Protocol
		port  int32
	}
	seen := map[pk]bool{}
	seenNode := map[pk]bool{}
	for i := range s.Spec.Ports {
		port := &s.Spec.Ports[i]
		pp := spec.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), ""))
		} else if port.Name != "" {
			for _, msg := range validation.IsDNS1123Label(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
			if names[port.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			names[port.Name] = true
		}
		errs = append(errs, validatePortNum(pp.Child("port"), port.Port)...)
		if !validProtocol(port.Protocol) {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, protocols))
		}
		errs = append(errs, validatePortNumOrName(pp.Child("targetPort"), port.TargetPort)...)
		if port.NodePort != 0 {
			if s.Spec.Type == corev1.ServiceTypeClusterIP {
				errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			} else if s.Spec.Type == corev1.ServiceTypeExternalName {
				errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ExternalName'"))
			} else if port.NodePort < NodePortMin || port.NodePort > NodePortMax {
				errs = append(errs, field.Invalid(pp.Child("nodePort"), port.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", NodePortMin, NodePortMax)))
			}
			k := pk{port.Protocol, port.NodePort}
			if seenNode[k] {
				errs = append(errs, field.Duplicate(pp.Child("nodePort"), port.NodePort))
			}
			seenNode[k] = true
		}
		k := pk{port.Protocol, port.Port}
		if seen[k] {
			errs = append(errs, field.Duplicate(pp, map[string]any{"port": port.Port, "protocol": port.Protocol}))
		}
		seen[k] = true
	}
	if s.Spec.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabels(s.Spec.Selector, spec.Child("selector"))...)
	}
	for i, ip := range s.Spec.ExternalIPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			errs = append(errs, field.Invalid(spec.Child("externalIPs").Index(i), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		}
	}
	if externallyAccessible(s) {
		switch s.Spec.ExternalTrafficPolicy {
		case corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal:
		default:
			errs = append(errs, field.NotSupported(spec.Child("externalTrafficPolicy"), s.Spec.ExternalTrafficPolicy, []string{"Cluster", "Local"}))
		}
	} else if s.Spec.ExternalTrafficPolicy != "" {
		errs = append(errs, field.Invalid(spec.Child("externalTrafficPolicy"), s.Spec.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
	}
	if s.Spec.InternalTrafficPolicy != nil && *s.Spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster && *s.Spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyLocal {
		errs = append(errs, field.NotSupported(spec.Child("internalTrafficPolicy"), *s.Spec.InternalTrafficPolicy, []string{"Cluster", "Local"}))
	}
	switch s.Spec.SessionAffinity {
	case corev1.ServiceAffinityNone, corev1.ServiceAffinityClientIP:
	default:
		errs = append(errs, field.NotSupported(spec.Child("sessionAffinity"), s.Spec.SessionAffinity, []string{"ClientIP", "None"}))
	}
	if s.Spec.AllocateLoadBalancerNodePorts != nil && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		errs = append(errs, field.Forbidden(spec.Child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
	}
	return errs
}

func validateNetworkPolicy(s *networkingv1.NetworkPolicySpec, spec *field.Path) field.ErrorList {
	opts := metavalidation.LabelSelectorValidationOptions{}
	errs := metavalidation.ValidateLabelSelector(&s.PodSelector, opts, spec.Child("podSelector"))
	ports := func(ps []networkingv1.NetworkPolicyPort, p *field.Path) {
		for i, port := range ps {
			pp := p.Index(i)
			if port.Protocol != nil && !validProtocol(*port.Protocol) {
				errs = append(errs, field.NotSupported(pp.Child("protocol"), *port.Protocol, protocols))
			}
			switch {
			case port.Port == nil:
				if port.EndPort != nil {
					errs = append(errs, field.Invalid(pp.Child("endPort"), *port.EndPort, "may not be specified when `port` is not specified"))
				}
			case port.Port.Type == intstr.Int:
				errs = append(errs, validatePortNum(pp.Child("port"), port.Port.IntVal)...)
				if port.EndPort != nil {
					if *port.EndPort < port.Port.IntVal {
						errs = append(errs, field.Invalid(pp.Child("endPort"), *port.EndPort, "must be greater than or equal to `port`"))
					}
					errs = append(errs, validatePortNum(pp.Child("endPort"), *port.EndPort)...)
				}
			default:
				if port.EndPort != nil {
					errs = append(errs, field.Invalid(pp.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
				}
				for _, msg := range validation.IsValidPortName(port.Port.StrVal) {
					errs = append(errs, field.Invalid(pp.Child("port"), port.Port.StrVal, msg))
				}
			}
		}
	}
	peers := func(ps []networkingv1.NetworkPolicyPeer, p *field.Path) {
		for i, peer := range ps {
			pp := p.Index(i)
			n := 0
			if peer.PodSelector != nil {
				n++
				errs = append(errs, metavalidation.ValidateLabelSelector(peer.PodSelector, opts, pp.Child("podSelector"))...)
			}
			if peer.NamespaceSelector != nil {
				n++
				errs = append(errs, metavalidation.ValidateLabelSelector(peer.NamespaceSelector, opts, pp.Child("namespaceSelector"))...)
			}
			if peer.IPBlock != nil {
				n++
				errs = append(errs, validateIPBlock(peer.IPBlock, pp.Child("ipBlock"))...)
			}
			if n == 0 {
				errs = append(errs, field.Required(pp, "must specify a peer"))
			} else if n > 1 && peer.IPBlock != nil {
				errs = append(errs, field.Forbidden(pp, "may not specify both ipBlock and another peer"))
			}
		}
	}
	for i, r := range s.Ingress {
		p := spec.Child("ingress").Index(i)
		ports(r.Ports, p.Child("ports"))
		peers(r.From, p.Child("from"))
	}
	for i, r := range s.Egress {
		p := spec.Child("egress").Index(i)
		ports(r.Ports, p.Child("ports"))
		peers(r.To, p.Child("to"))
	}
	if len(s.PolicyTypes) > 2 {
		errs = append(errs, field.Invalid(spec.Child("policyTypes"), s.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range s.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(spec.Child("policyTypes").Index(i), t, []string{"Egress", "Ingress"}))
		}
	}
	return errs
}

const cidrMsg = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

func validateIPBlock(b *networkingv1.IPBlock, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if b.CIDR == "" {
		return append(errs, field.Required(p.Child("cidr"), ""))
	}
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return append(errs, field.Invalid(p.Child("cidr"), b.CIDR, cidrMsg))
	}
	cidr = cidr.Masked()
	for i, e := range b.Except {
		ep := p.Child("except").Index(i)
		ex, err := netip.ParsePrefix(e)
		if err != nil {
			errs = append(errs, field.Invalid(ep, e, cidrMsg))
			continue
		}
		if !cidr.Contains(ex.Masked().Addr()) || cidr.Bits() >= ex.Bits() {
			errs = append(errs, field.Invalid(ep, e, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

func validateIngress(ing *networkingv1.Ingress) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if len(ing.Spec.Rules) == 0 && ing.Spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(spec, ing.Spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if ing.Spec.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(ing.Spec.DefaultBackend, spec.Child("defaultBackend"))...)
	}
	for i, r := range ing.Spec.Rules {
		rp := spec.Child("rules").Index(i)
		if r.Host != "" {
			if _, err := netip.ParseAddr(r.Host); err == nil {
				errs = append(errs, field.Invalid(rp.Child("host"), r.Host, "must be a DNS name, not an IP address"))
			}
			var msgs []string
			if strings.Contains(r.Host, "*") {
				msgs = validation.IsWildcardDNS1123Subdomain(r.Host)
			} else {
				msgs = validation.IsDNS1123Subdomain(r.Host)
			}
			for _, msg := range msgs {
				errs = append(errs, field.Invalid(rp.Child("host"), r.Host, msg))
			}
		}
		if r.HTTP == nil {
			continue
		}
		hp := rp.Child("http")
		if len(r.HTTP.Paths) == 0 {
			errs = append(errs, field.Required(hp.Child("paths"), ""))
		}
		for j, path := range r.HTTP.Paths {
			pp := hp.Child("paths").Index(j)
			if path.PathType == nil {
				errs = append(errs, field.Required(pp.Child("pathType"), "pathType must be specified"))
				continue
			}
			switch *path.PathType {
			case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
				if !strings.HasPrefix(path.Path, "/") {
					errs = append(errs, field.Invalid(pp.Child("path"), path.Path, "must be an absolute path"))
				}
				for _, seq := range []string{"//", "/./", "/../", "%2f", "%2F"} {
					if strings.Contains(path.Path, seq) {
						errs = append(errs, field.Invalid(pp.Child("path"), path.Path, fmt.Sprintf("must not contain '%s'", seq)))
					}
				}
				for _, suf := range []string{"/..", "/."} {
					if strings.HasSuffix(path.Path, suf) {
						errs = append(errs, field.Invalid(pp.Child("path"), path.Path, fmt.Sprintf("cannot end with '%s'", suf)))
					}
				}
			case networkingv1.PathTypeImplementationSpecific:
				if path.Path != "" && !strings.HasPrefix(path.Path, "/") {
					errs = append(errs, field.Invalid(pp.Child("path"), path.Path, "must be an absolute path"))
				}
			default:
				errs = append(errs, field.NotSupported(pp.Child("pathType"), *path.PathType, []string{"Exact", "ImplementationSpecific", "Prefix"}))
			}
			errs = append(errs, validateIngressBackend(&path.Backend, pp.Child("backend"))...)
		}
	}
	for i, t := range ing.Spec.TLS {
		for j, h := range t.Hosts {
			hp := spec.Child("tls").Index(i).Child("hosts").Index(j)
			var msgs []string
			if strings.Contains(h, "*") {
				msgs = validation.IsWildcardDNS1123Subdomain(h)
			} else {
				msgs = validation.IsDNS1123Subdomain(h)
			}
			for _, msg := range msgs {
				errs = append(errs, field.Invalid(hp, h, msg))
			}
		}
	}
	if c := ing.Spec.IngressClassName; c != nil {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*c, false) {
			errs = append(errs, field.Invalid(spec.Child("ingressClassName"), *c, msg))
		}
	}
	return errs
}

func validateIngressBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case b.Resource != nil && b.Service != nil:
		return append(errs, field.Invalid(p, "", "cannot set both resource and service backends"))
	case b.Resource != nil:
		if b.Resource.Kind == "" {
			errs = append(errs, field.Required(p.Child("resource", "kind"), ""))
		}
		if b.Resource.Name == "" {
			errs = append(errs, field.Required(p.Child("resource", "name"), ""))
		}
	case b.Service != nil:
		if b.Service.Name == "" {
			errs = append(errs, field.Required(p.Child("service", "name"), ""))
		} else {
			for _, msg := range apimachineryvalidation.NameIsDNS1035Label(b.Service.Name, false) {
				errs = append(errs, field.Invalid(p.Child("service", "name"), b.Service.Name, msg))
			}
		}
		hasName, hasNumber := b.Service.Port.Name != "", b.Service.Port.Number != 0
		switch {
		case hasName && hasNumber:
			errs = append(errs, field.Invalid(p, "", "cannot set both port name & port number"))
		case hasName:
			for _, msg := range validation.IsValidPortName(b.Service.Port.Name) {
				errs = append(errs, field.Invalid(p.Child("service", "port", "name"), b.Service.Port.Name, msg))
			}
		case hasNumber:
			errs = append(errs, validatePortNum(p.Child("service", "port", "number"), b.Service.Port.Number)...)
		default:
			errs = append(errs, field.Required(p, "port name or number is required"))
		}
	default:
		errs = append(errs, field.Invalid(p, "", "resource or service backend is required"))
	}
	return errs
}

// validateProbe is the API server's validation of a container probe: one
// handler, valid ports and scheme, non-negative numbers, a success
// threshold of 1 for liveness and startup probes.
func validateProbe(pr *corev1.Probe, kind string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	handlers := 0
	one := func(set bool, name string, validate func(*field.Path) field.ErrorList) {
		if !set {
			return
		}
		if handlers > 0 {
			errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return
		}
		handlers++
		errs = append(errs, validate(p.Child(name))...)
	}
	one(pr.Exec != nil, "exec", func(hp *field.Path) field.ErrorList {
		if len(pr.Exec.Command) == 0 {
			return field.ErrorList{field.Required(hp.Child("command"), "")}
		}
		return nil
	})
	one(pr.HTTPGet != nil, "httpGet", func(hp *field.Path) field.ErrorList {
		var es field.ErrorList
		if pr.HTTPGet.Path == "" {
			es = append(es, field.Required(hp.Child("path"), ""))
		}
		es = append(es, validatePortNumOrName(hp.Child("port"), pr.HTTPGet.Port)...)
		if s := pr.HTTPGet.Scheme; s != corev1.URISchemeHTTP && s != corev1.URISchemeHTTPS {
			es = append(es, field.NotSupported(hp.Child("scheme"), s, []string{"HTTP", "HTTPS"}))
		}
		return es
	})
	one(pr.TCPSocket != nil, "tcpSocket", func(hp *field.Path) field.ErrorList {
		return validatePortNumOrName(hp.Child("port"), pr.TCPSocket.Port)
	})
	one(pr.GRPC != nil, "grpc", func(hp *field.Path) field.ErrorList {
		return validatePortNum(hp.Child("port"), pr.GRPC.Port)
	})
	if handlers == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	for _, n := range []struct {
		name string
		v    int32
	}{{"initialDelaySeconds", pr.InitialDelaySeconds}, {"timeoutSeconds", pr.TimeoutSeconds}, {"periodSeconds", pr.PeriodSeconds},
		{"successThreshold", pr.SuccessThreshold}, {"failureThreshold", pr.FailureThreshold}} {
		if n.v < 0 {
			errs = append(errs, field.Invalid(p.Child(n.name), n.v, "must be greater than or equal to 0"))
		}
	}
	if kind != "readinessProbe" && pr.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	if kind == "readinessProbe" && pr.TerminationGracePeriodSeconds != nil {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *pr.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	return errs
}
