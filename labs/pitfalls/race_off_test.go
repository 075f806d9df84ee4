//go:build !race

package pitfalls

const raceBuilt = false
