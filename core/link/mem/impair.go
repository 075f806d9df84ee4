package mem

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DefaultQueue is the number of frames that may wait for delivery in one
// direction of a Pipe when Impairments.Queue is 0.
const DefaultQueue = 1000

// ErrBadImpairments is wrapped by the errors of Impairments.Validate.
var ErrBadImpairments = errors.New("mem: bad impairments")

// Impairments say what a link does to the frames that cross it, in the
// manner of Linux netem. The zero value is a perfect wire: no loss, no
// delay, unlimited rate. It is a plain value; a Pipe takes a copy, and
// SetImpairments changes it while frames flow.
//
// For each frame, in this order: Loss drops it; Duplicate sends a second
// copy; for each copy, Corrupt flips one random bit (of the copy, never of
// the sender's buffer) and Reorder sends it at once, ahead of the frames
// that wait for delivery; a copy that is not reordered is serialised at
// Rate behind the frames before it, then delayed by Delay plus a uniform
// random Jitter. Jitter alone never reorders: a frame is never delivered
// before the frame sent ahead of it in the same direction (unless Reorder
// chose it).
type Impairments struct {
	// Loss is the probability, in [0,1], that a frame is dropped.
	Loss float64
	// Duplicate is the probability, in [0,1], that a frame is delivered
	// twice.
	Duplicate float64
	// Reorder is the probability, in [0,1], that a frame skips Delay,
	// Jitter and Rate and overtakes the frames waiting for delivery.
	Reorder float64
	// Corrupt is the probability, in [0,1], that one random bit of a frame
	// is flipped.
	Corrupt float64
	// Delay is the one-way propagation delay, in clock time.
	Delay time.Duration
	// Jitter adds a uniform random extra delay in [0, Jitter).
	Jitter time.Duration
	// Rate is the wire's speed in bits per second; 0 is unlimited. A frame
	// of n bytes takes n*8/Rate seconds on the wire, and frames queue
	// behind each other.
	Rate uint64
	// Queue is the number of frames that may wait for delivery in one
	// direction; 0 means DefaultQueue. More are dropped and counted as
	// QueueFull.
	Queue int
}

// Validate reports whether i is usable: probabilities in [0,1], delay and
// jitter not negative, queue not negative. Its errors wrap
// ErrBadImpairments.
func (i Impairments) Validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", i.Loss}, {"duplicate", i.Duplicate}, {"reorder", i.Reorder}, {"corrupt", i.Corrupt}} {
		if math.IsNaN(p.v) || p.v < 0 || p.v > 1 {
			return fmt.Errorf("%w: %s probability %v is not in [0,1]", ErrBadImpairments, p.name, p.v)
		}
	}
	if i.Delay < 0 {
		return fmt.Errorf("%w: delay %v is negative", ErrBadImpairments, i.Delay)
	}
	if i.Jitter < 0 {
		return fmt.Errorf("%w: jitter %v is negative", ErrBadImpairments, i.Jitter)
	}
	if i.Queue < 0 {
		return fmt.Errorf("%w: queue %d is negative", ErrBadImpairments, i.Queue)
	}
	return nil
}

// IsZero reports whether i is a perfect wire (the zero value).
func (i Impairments) IsZero() bool { return i == Impairments{} }

// String describes i the way tc shows netem, such as
// "loss 5% delay 2ms jitter 1ms rate 10Mbit/s", or "none" for a perfect
// wire. Only the impairments that are set appear.
func (i Impairments) String() string {
	var b strings.Builder
	add := func(name, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		b.WriteByte(' ')
		b.WriteString(v)
	}
	if i.Loss != 0 {
		add("loss", percent(i.Loss))
	}
	if i.Duplicate != 0 {
		add("duplicate", percent(i.Duplicate))
	}
	if i.Reorder != 0 {
		add("reorder", percent(i.Reorder))
	}
	if i.Corrupt != 0 {
		add("corrupt", percent(i.Corrupt))
	}
	if i.Delay != 0 {
		add("delay", i.Delay.String())
	}
	if i.Jitter != 0 {
		add("jitter", i.Jitter.String())
	}
	if i.Rate != 0 {
		add("rate", FormatRate(i.Rate))
	}
	if i.Queue != 0 {
		add("queue", strconv.Itoa(i.Queue))
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// percent formats a probability as a percentage with at most four
// significant digits: 0.05 is "5%", 0.125 is "12.5%".
func percent(p float64) string {
	return strconv.FormatFloat(p*100, 'g', 4, 64) + "%"
}

// FormatRate formats a rate in bits per second with the largest SI unit
// that keeps it at least 1, as tc does: 10000000 is "10Mbit/s", 1500000 is
// "1.5Mbit/s", 500 is "500bit/s".
func FormatRate(bps uint64) string {
	units := []struct {
		div  float64
		name string
	}{{1e12, "Tbit/s"}, {1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}}
	for _, u := range units {
		if float64(bps) >= u.div {
			return strconv.FormatFloat(float64(bps)/u.div, 'g', 4, 64) + u.name
		}
	}
	return strconv.FormatUint(bps, 10) + "bit/s"
}

// queueLimit is the number of frames that may wait in one direction.
func (i Impairments) queueLimit() int {
	if i.Queue == 0 {
		return DefaultQueue
	}
	return i.Queue
}

// direct reports whether frames may skip the queue and go straight to the
// receiver: nothing delays, serialises or reorders them.
func (i Impairments) direct() bool {
	return i.Delay == 0 && i.Jitter == 0 && i.Rate == 0
}

// serialisation is how long n bytes take on a wire of rate bits per
// second (0: unlimited), rounded up to the nanosecond.
func serialisation(n int, rate uint64) time.Duration {
	if rate == 0 || n == 0 {
		return 0
	}
	bits := uint64(n) * 8
	// bits*1e9 overflows uint64 only for absurd frames; MaxFrame*8*1e9
	// is 7.2e13.
	ns := (bits*uint64(time.Second) + rate - 1) / rate
	return time.Duration(ns)
}

// dice is a direction's source of random choices. Owned by whoever holds
// the direction's mutex.
type dice struct {
	r *rand.Rand
}

// newDice seeds a direction's source from the link's seed and the
// direction (0 for A to B, 1 for B to A), so that the two directions make
// different, reproducible choices.
func newDice(seed uint64, dir uint64) dice {
	return dice{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^dir))}
}

// chance reports true with probability p; it draws nothing when p is 0,
// so that a perfect wire does not use up the sequence.
func (d dice) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return d.r.Float64() < p
}

// jitter returns a uniform random duration in [0, j).
func (d dice) jitter(j time.Duration) time.Duration {
	if j <= 0 {
		return 0
	}
	return time.Duration(d.r.Int64N(int64(j)))
}

// flipBit flips one uniformly chosen bit of b, which must not be empty.
func (d dice) flipBit(b []byte) {
	n := d.r.IntN(len(b) * 8)
	b[n/8] ^= 1 << (n % 8)
}
