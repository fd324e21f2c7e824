#!/usr/bin/perl
# sig() replaces a session's watcher for a signal (with its extra
# arguments), sig() without an event removes it; a signal nobody watches
# still reaches the tree, and a benign one stops nothing.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      $kernel->alias_set("w");
      $kernel->sig(USR1 => "first", "a");
      $kernel->sig(USR1 => "second", "b", "c");
      $kernel->sig(USR2 => "first");
      $kernel->sig("USR2");
      $kernel->signal($_[SESSION], "USR1", "x");
      $kernel->signal($_[SESSION], "USR2", "y");
      $kernel->yield("next");
    },
    first => sub { print "first: @_[ARG0 .. $#_]\n" },
    second => sub { print "second: @_[ARG0 .. $#_]\n" },
    next => sub {
      my $kernel = $_[KERNEL];
      print "next\n";
      $kernel->sig("USR1");
      $kernel->signal($_[SESSION], "USR1", "z");
      $kernel->yield("last");
    },
    last => sub { print "last: still alive\n"; $_[KERNEL]->alias_remove("w") },
    _stop => sub { print "_stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
