#!/usr/bin/perl
# detach_child and detach_myself: the parent gets _child("lose") (not
# when a child detaches itself in its _start, and then it never gets
# "create" either), the child gets _parent(old, kernel); detaching a
# session that is not one's child, or detaching from the kernel, is EPERM.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH EPERM);
$| = 1;

sub errname { return $! == ESRCH ? "ESRCH" : $! == EPERM ? "EPERM" : "errno " . ($! + 0) }
sub name_of { my ($s, $kernel) = @_; return $s == $kernel ? "kernel" : $s->ID }

sub child {
  my ($name, $delay, %states) = @_;
  return POE::Session->create(
    inline_states => {
      _start => sub { $_[KERNEL]->delay(done => $delay) },
      _parent => sub {
        print "$name _parent ", name_of($_[ARG0], $_[KERNEL]), " -> ", name_of($_[ARG1], $_[KERNEL]), "\n";
      },
      done => sub { print "$name done\n" },
      _stop => sub { print "$name _stop\n" },
      %states,
    },
  );
}

POE::Session->create(
  inline_states => {
    _start => sub {
      my ($kernel, $heap) = @_[KERNEL, HEAP];
      $heap->{c1} = child("c1", 0.05, _start => sub {
        my $r = $_[KERNEL]->detach_myself();
        print "c1 detach_myself in _start: ", ($r ? "ok" : errname()), "\n";
        $r = $_[KERNEL]->detach_myself();
        print "c1 detach_myself again: ", ($r ? "ok" : errname()), "\n";
        $_[KERNEL]->delay(done => 0.05);
      });
      $heap->{c2} = child("c2", 0.1);
      $heap->{c3} = child("c3", 0.15, leave => sub {
        my $r = $_[KERNEL]->detach_myself();
        print "c3 detach_myself: ", ($r ? "ok" : errname()), "\n";
      });
      $kernel->yield("go");
    },
    go => sub {
      my ($kernel, $heap) = @_[KERNEL, HEAP];
      my $r = $kernel->detach_child($heap->{c2});
      print "parent detach_child c2: ", ($r ? "ok" : errname()), "\n";
      $r = $kernel->detach_child($heap->{c2});
      print "parent detach_child c2 again: ", ($r ? "ok" : errname()), "\n";
      $r = $kernel->detach_child($heap->{c1});
      print "parent detach_child c1: ", ($r ? "ok" : errname()), "\n";
      $r = $kernel->detach_child("nobody");
      print "parent detach_child nobody: ", ($r ? "ok" : errname()), "\n";
      $r = $kernel->detach_myself();
      print "parent detach_myself: ", ($r ? "ok" : errname()), "\n";
      $kernel->call($heap->{c3}, "leave");
      delete @$heap{qw(c1 c2 c3)};
    },
    _child => sub { print "parent _child $_[ARG0] ", $_[ARG1]->ID, "\n" },
    _stop => sub { print "parent _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
