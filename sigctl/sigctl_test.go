package sigctl

import "testing"

func TestHoldNestsAndReleasesOnce(t *testing.T) {
	if Held() {
		t.Fatal("held at start")
	}
	r1 := Hold()
	r2 := Hold()
	r1()
	r1() // a second call does nothing
	if !Held() {
		t.Fatal("released while the second hold is on")
	}
	r2()
	if Held() {
		t.Fatal("still held")
	}
}
