#!/usr/bin/perl
# Semantic 4: an event with no handler goes to _default with ARG0 = its
# name and ARG1 = its arguments; _default's return value is call's. POE's
# own events (_start, _child, _stop) reach _default too. Without _default
# the event is dropped.
use strict;
use warnings;
use POE;
$| = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      $kernel->alias_set("catchall");
      POE::Session->create(
        inline_states => {
          _start => sub {
            $_[KERNEL]->post("catchall", "mystery", "a", 2);
            $_[KERNEL]->post("catchall", "noargs");
            $_[KERNEL]->post($_[SESSION], "dropped", "x");
            my $r = $_[KERNEL]->call("catchall", "asked", 7);
            print "call to _default returned $r\n";
            return "child-start";
          },
          _stop => sub { print "child stop\n"; return "child-stop" },
        },
      );
    },
    _default => sub {
      my ($kernel, $event, $args) = @_[KERNEL, ARG0, ARG1];
      my @shown = map { ref($_) ? "session " . $_->ID : $_ } @$args;
      print "_default $event [", join(",", @shown), "]\n";
      $kernel->alias_remove("catchall") if $event eq "noargs";
      return "default-$event";
    },
  },
);

POE::Kernel->run();
print "run returned\n";
