package netmodel

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sort"
	"strings"

	"github.com/ckadlab/ckadlab/probe"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// This file models which certificate Traefik presents to an HTTPS client:
// both Ingress providers load the key pair of every Secret an Ingress they
// serve names in spec.tls (a missing or incomplete Secret stops the
// loading of that Ingress's remaining Secrets) into one certificate pool;
// for a TLS client hello Traefik takes, among the pool's certificates in
// reverse order of their sorted names, the first with a name equal to the
// SNI or a wildcard for its first label (pkg/tls certificate_store.go
// GetBestCertificate, matchDomain), else its self-signed default
// certificate (CN TRAEFIK DEFAULT CERT). spec.tls hosts play no part.

// loadedCert is one certificate of Traefik's pool.
type loadedCert struct {
	key     string // its names, sorted and joined by ","
	names   []string
	leaf    *x509.Certificate
	secrets []string // NS/NAME of the Secrets that carry it
}

// servedCert is what Traefik presents for an SNI.
type servedCert struct {
	cert  *loadedCert // nil: Traefik's default certificate
	notes []string    // Secrets that could not be loaded
}

func (c servedCert) describe() string {
	if c.cert == nil {
		return "Traefik's self-signed default certificate (CN TRAEFIK DEFAULT CERT)"
	}
	return fmt.Sprintf("the certificate of Secret %s (names %s)", joinAnd(c.cert.secrets), strings.Join(c.cert.names, ", "))
}

// covers reports whether the certificate is valid for host as a browser
// checks it (the default certificate never is).
func (c servedCert) covers(host string) bool {
	return c.cert != nil && c.cert.leaf.VerifyHostname(host) == nil
}

// certificatePool loads the certificates as the providers do. ok is false
// when the model was given no Secrets.
func (m *Model) certificatePool(cfg *traefikConfig) (pool map[string]*loadedCert, notes []string, ok bool) {
	if m.objs.Secrets == nil {
		return nil, nil, false
	}
	secrets := map[string]*corev1.Secret{}
	for i := range m.objs.Secrets {
		s := &m.objs.Secrets[i]
		secrets[s.Namespace+"/"+s.Name] = s
	}
	pool = map[string]*loadedCert{}
	loaded := map[string]bool{}
	load := func(ing *networkingv1.Ingress) {
		for _, t := range ing.Spec.TLS {
			if t.SecretName == "" {
				continue
			}
			key := ing.Namespace + "/" + t.SecretName
			if loaded[key] {
				continue
			}
			loaded[key] = true
			s := secrets[key]
			crt, hasCrt := secretData(s, corev1.TLSCertKey)
			k, hasKey := secretData(s, corev1.TLSPrivateKeyKey)
			switch {
			case s == nil:
				notes = append(notes, fmt.Sprintf("Ingress %s/%s names Secret %s in spec.tls, which does not exist: Traefik loads none of the Ingress's certificates from there on", ing.Namespace, ing.Name, key))
				return
			case !hasCrt || !hasKey:
				notes = append(notes, fmt.Sprintf("Secret %s (spec.tls of Ingress %s/%s) has no %s and %s: Traefik loads none of the Ingress's certificates from there on", key, ing.Namespace, ing.Name, corev1.TLSCertKey, corev1.TLSPrivateKeyKey))
				return
			}
			pair, err := tls.X509KeyPair(crt, k)
			var leaf *x509.Certificate
			if err == nil {
				leaf, err = x509.ParseCertificate(pair.Certificate[0])
			}
			if err != nil {
				notes = append(notes, fmt.Sprintf("Secret %s (spec.tls of Ingress %s/%s) holds no valid key pair (%v): Traefik skips it", key, ing.Namespace, ing.Name, err))
				continue
			}
			names := certNames(leaf)
			ck := strings.Join(names, ",")
			if c := pool[ck]; c != nil {
				c.secrets = append(c.secrets, key)
				continue
			}
			pool[ck] = &loadedCert{key: ck, names: names, leaf: leaf, secrets: []string{key}}
		}
	}
	var nginxIngs []*networkingv1.Ingress
	for _, ing := range m.sortedIngresses() {
		ps, _ := m.servedBy(cfg, ing)
		for _, p := range ps {
			if p == providerTraefik {
				load(ing)
			} else {
				nginxIngs = append(nginxIngs, ing)
			}
		}
	}
	for _, ing := range ingressCreationOrder(nginxIngs) {
		c := parseNginxConfig(ing)
		if nginxRejects(cfg.nginx, ing, c) == "" && !c.canary {
			load(ing)
		}
	}
	return pool, notes, true
}

func secretData(s *corev1.Secret, k string) ([]byte, bool) {
	if s == nil {
		return nil, false
	}
	if v, ok := s.Data[k]; ok {
		return v, true
	}
	if v, ok := s.StringData[k]; ok {
		return []byte(v), true
	}
	return nil, false
}

// certNames are the names Traefik files a certificate under: its common
// name, DNS names and IP addresses, lower-cased and sorted.
func certNames(c *x509.Certificate) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.ToLower(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(c.Subject.CommonName)
	for _, d := range c.DNSNames {
		add(d)
	}
	for _, ip := range c.IPAddresses {
		add(ip.String())
	}
	sort.Strings(out)
	return out
}

// certMatches is Traefik's matchDomain: a name equal to the SNI, or equal
// to it with its first label replaced by *.
func certMatches(sni string, names []string) bool {
	labels := strings.Split(sni, ".")
	labels[0] = "*"
	wild := strings.Join(labels, ".")
	for _, n := range names {
		if n == sni || strings.TrimRight(n, ".") == wild {
			return true
		}
	}
	return false
}

// servedCertificate is the certificate Traefik presents for sni; ok is
// false when the model cannot tell (no Secrets given).
func (m *Model) servedCertificate(cfg *traefikConfig, sni string) (servedCert, bool) {
	pool, notes, ok := m.certificatePool(cfg)
	if !ok {
		return servedCert{}, false
	}
	keys := make([]string, 0, len(pool))
	for k := range pool {
		keys = append(keys, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	sni = strings.ToLower(strings.TrimSpace(sni))
	for _, k := range keys {
		if sni != "" && certMatches(sni, pool[k].names) {
			return servedCert{cert: pool[k], notes: notes}, true
		}
	}
	return servedCert{notes: notes}, true
}

// tlsCertificate adds what the model knows of the certificate presented
// to an HTTPS probe for host, and applies the probe's CertHost
// expectation to v.
func (pr *prober) tlsCertificate(cfg *traefikConfig, host string, v *verdict) {
	want := pr.spec.HTTP != nil && pr.spec.HTTP.CertHost
	if host == "" {
		if want {
			pr.cannotGrade("an HTTPS request without a host sends no SNI, and the model does not simulate the certificate Traefik then picks")
		}
		return
	}
	c, ok := pr.m.servedCertificate(cfg, host)
	if !ok {
		if want {
			pr.cannotGrade("the model was given no Secrets, so it cannot tell which certificate Traefik presents for " + host)
		}
		return
	}
	v.key = append(v.key, c.notes...)
	covers := c.covers(host)
	line := fmt.Sprintf("for SNI %s Traefik presents %s", host, c.describe())
	switch {
	case covers:
		line += ", valid for " + host
	case c.cert == nil:
		line += fmt.Sprintf(": no certificate loaded from the spec.tls Secrets of the Ingresses it serves has a name that covers %s (spec.tls hosts do not choose the certificate, its names do)", host)
	default:
		line += fmt.Sprintf(", whose names Traefik matches to %s but which is not valid for it (a browser checks the DNS names only, not the common name)", host)
	}
	v.key = append(v.key, line)
	if want && !covers && v.outcome == probe.Connected {
		v.outcome = probe.HTTPError
		v.summary = fmt.Sprintf("HTTPS check failed: for %s Traefik presents %s, which is not valid for that host.", host, c.describe())
	}
}
