package main

func tapMeasures(p params) ([]measure, string)   { return nil, "todo" }
func netifMeasures(p params) ([]measure, string) { return nil, "todo" }
func scaleMeasures(p params) ([]measure, string) { return nil, "todo" }
func allocMeasures(p params) ([]measure, string) { return nil, "todo" }
