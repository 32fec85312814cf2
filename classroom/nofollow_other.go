//go:build !unix

package classroom

const noFollow = 0
