package main

func tapMeasures(p params) ([]measure, string) { return nil, "todo" }
