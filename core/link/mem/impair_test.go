package mem

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestImpairmentsString(t *testing.T) {
	for _, c := range []struct {
		imp  Impairments
		want string
	}{
		{Impairments{}, "none"},
		{Impairments{Loss: 0.05, Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Rate: 10_000_000},
			"loss 5% delay 2ms jitter 1ms rate 10Mbit/s"},
		{Impairments{Duplicate: 0.125, Reorder: 0.25, Corrupt: 0.001}, "duplicate 12.5% reorder 25% corrupt 0.1%"},
		{Impairments{Loss: 1, Queue: 50}, "loss 100% queue 50"},
		{Impairments{Delay: 1500 * time.Microsecond, Rate: 1_500_000}, "delay 1.5ms rate 1.5Mbit/s"},
	} {
		if got := c.imp.String(); got != c.want {
			t.Errorf("got %#v.String() = %q, want %q", c.imp, got, c.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	for _, c := range []struct {
		bps  uint64
		want string
	}{
		{1, "1bit/s"}, {500, "500bit/s"}, {64_000, "64kbit/s"}, {1_544_000, "1.544Mbit/s"},
		{10_000_000, "10Mbit/s"}, {1_000_000_000, "1Gbit/s"}, {40_000_000_000_000, "40Tbit/s"},
	} {
		if got := FormatRate(c.bps); got != c.want {
			t.Errorf("got FormatRate(%d) = %q, want %q", c.bps, got, c.want)
		}
	}
}

func TestImpairmentsValidate(t *testing.T) {
	good := []Impairments{
		{},
		{Loss: 1, Duplicate: 1, Reorder: 1, Corrupt: 1, Delay: time.Hour, Jitter: time.Second, Rate: 1, Queue: 1},
	}
	for _, imp := range good {
		if err := imp.Validate(); err != nil {
			t.Errorf("got %v.Validate() = %v, want nil", imp, err)
		}
	}
	for _, c := range []struct {
		imp  Impairments
		want string
	}{
		{Impairments{Loss: -0.1}, "loss probability -0.1"},
		{Impairments{Duplicate: 1.5}, "duplicate probability 1.5"},
		{Impairments{Reorder: math.NaN()}, "reorder probability NaN"},
		{Impairments{Corrupt: math.Inf(1)}, "corrupt probability +Inf"},
		{Impairments{Delay: -time.Millisecond}, "delay -1ms is negative"},
		{Impairments{Jitter: -1}, "jitter -1ns is negative"},
		{Impairments{Queue: -1}, "queue -1 is negative"},
	} {
		err := c.imp.Validate()
		if !errors.Is(err, ErrBadImpairments) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got Validate() = %v, want an ErrBadImpairments saying %q", err, c.want)
		}
	}
}

func TestDiceIsSeededPerDirection(t *testing.T) {
	draw := func(seed, dir uint64) [8]uint64 {
		d := newDice(seed, dir)
		var out [8]uint64
		for i := range out {
			out[i] = d.r.Uint64()
		}
		return out
	}
	if draw(1, 0) != draw(1, 0) {
		t.Error("the same seed and direction gave different draws")
	}
	if draw(1, 0) == draw(1, 1) || draw(1, 0) == draw(2, 0) {
		t.Error("different seeds or directions gave the same draws")
	}
	d := newDice(1, 0)
	if d.chance(0) || !d.chance(1) {
		t.Error("chance(0) or chance(1) is not certain")
	}
	for range 1000 {
		if j := d.jitter(time.Millisecond); j < 0 || j >= time.Millisecond {
			t.Fatalf("jitter %v outside [0, 1ms)", j)
		}
	}
}
