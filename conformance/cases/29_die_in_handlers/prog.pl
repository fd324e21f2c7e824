#!/usr/bin/perl
# Semantic 11, exceptions POE cannot turn into a DIE signal: a die in
# _stop is kept for run, which dies at its end; a die in a DIE handler is
# added to the original error, which run reports first.
use strict;
use warnings;
use POE;
$| = 1;

sub first_line { my $e = shift; $e =~ s/\n.*//s; $e =~ s/ at \S+ line \d+\.\z//; return $e }

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->delay(tick => 0.05) },
    tick => sub { print "other tick\n" },
    _stop => sub { print "other _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { print "dier _start\n" },
    _stop => sub { print "dier _stop\n"; die "stop failed\n" },
  },
);

eval { POE::Kernel->run(); 1 } or print "first run died: ", first_line($@), "\n";

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->sig(DIE => "on_die"); $_[KERNEL]->yield("boom") },
    boom => sub { die "first\n" },
    on_die => sub { print "on_die got: ", first_line($_[ARG1]{error_str}), "\n"; die "second\n" },
    _stop => sub { print "handler _stop\n" },
  },
);

eval { POE::Kernel->run(); 1 } or print "second run died: ", first_line($@), "\n";
print "done\n";
