// Package seeded is ckadlab's one seeded pseudo-random generator:
// splitmix64, tiny and fully specified, so that a seed means the same
// exam draw and the same lab variants in every version of Go (math/rand's
// algorithms may change between releases).
package seeded

import "math"

// Rand is a splitmix64 generator. The zero value is seeded with 0.
type Rand struct{ s uint64 }

// New returns a generator seeded with seed.
func New(seed uint64) *Rand { return &Rand{s: seed} }

// Uint64 is the next value.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Intn is uniform in [0, n) (rejection sampling, no modulo bias); 0 when
// n ≤ 1.
func (r *Rand) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	return int(r.Uint64n(uint64(n)))
}

// Uint64n is uniform in [0, n) (rejection sampling); 0 when n ≤ 1.
func (r *Rand) Uint64n(n uint64) uint64 {
	if n <= 1 {
		return 0
	}
	limit := math.MaxUint64 - math.MaxUint64%n
	for {
		v := r.Uint64()
		if v < limit {
			return v % n
		}
	}
}

// Shuffle is Fisher-Yates.
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.Intn(i+1))
	}
}

// Mix is a seed derived from seed and a name (FNV-1a of the name, folded
// through splitmix64): independent streams per name from one seed, such as
// one variant per task of an exam.
func Mix(seed uint64, name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return New(seed ^ h).Uint64()
}
