#!/usr/bin/perl
# Semantic 6: a stopping session's children go to its parent
# (_child("gain") to the parent, then _parent(old, new) to the child),
# then _stop, then the parent's _child("lose", s, <_stop's return>).
# Teardown runs leaves first. B's TERM handler makes a new child D, which
# is not among the signalled sessions, so D outlives B and moves to A.
use strict;
use warnings;
use POE;
$| = 1;

sub states {
  my ($name, %more) = @_;
  return {
    _child => sub {
      my ($what, $child, $ret) = @_[ARG0, ARG1, ARG2];
      print "$name _child $what ", $child->ID, " ", (defined $ret ? $ret : "undef"), "\n";
    },
    _parent => sub {
      my ($old, $new) = @_[ARG0, ARG1];
      print "$name _parent ", $old->ID, " -> ",
        ($new == $_[KERNEL] ? "kernel" : $new->ID), "\n";
    },
    _stop => sub { print "$name _stop\n"; return "bye-$name" },
    %more,
  };
}

POE::Session->create(
  inline_states => states("A",
    _start => sub {
      $_[KERNEL]->alias_set("A");
      my $b = POE::Session->create(inline_states => states("B",
        _start => sub {
          $_[KERNEL]->sig(TERM => "term");
          POE::Session->create(inline_states => states("C",
            _start => sub { $_[KERNEL]->alias_set("C"); return "C-started" },
          ));
          return "B-started";
        },
        term => sub {
          print "B got $_[ARG0]\n";
          POE::Session->create(inline_states => states("D",
            _start => sub { $_[KERNEL]->delay(tick => 0.05); return "D-started" },
            tick => sub { print "D tick\n"; $_[KERNEL]->post("A", "done") },
          ));
        },
      ));
      $_[KERNEL]->signal($b, "TERM");
    },
    done => sub { print "A done\n"; $_[KERNEL]->alias_remove("A") },
  ),
);

POE::Kernel->run();
print "run returned\n";
