package mutate

import "net/netip"

// resizePrefix returns the CIDR s with prefix length bits: the network
// address recomputed when widening (172.17.1.0/24 at 23 is 172.17.0.0/23),
// the lower part when narrowing (172.17.0.0/16 at 17 is 172.17.0.0/17).
// ok is false when s does not parse or bits is out of 0..32 (IPv4) or
// 0..128 (IPv6).
func resizePrefix(s string, bits int) (string, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || bits < 0 || bits > p.Addr().BitLen() {
		return "", false
	}
	q, err := p.Masked().Addr().Prefix(bits)
	if err != nil {
		return "", false
	}
	return q.String(), true
}

// prefixBits is the prefix length of the CIDR s.
func prefixBits(s string) (int, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return 0, false
	}
	return p.Bits(), true
}

// addrBits is 32 for an IPv4 CIDR and 128 for an IPv6 one.
func addrBits(s string) int {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return -1
	}
	return p.Addr().BitLen()
}

// sameCIDR reports whether a and b are the same network.
func sameCIDR(a, b string) bool {
	p, err1 := netip.ParsePrefix(a)
	q, err2 := netip.ParsePrefix(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return p.Masked() == q.Masked()
}

// validIPBlock reports whether every except item is a strict subset of
// cidr, as the API requires.
func validIPBlock(cidr string, except []string) bool {
	c, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	c = c.Masked()
	for _, e := range except {
		x, err := netip.ParsePrefix(e)
		if err != nil {
			return false
		}
		if !c.Contains(x.Masked().Addr()) || c.Bits() >= x.Bits() {
			return false
		}
	}
	return true
}
