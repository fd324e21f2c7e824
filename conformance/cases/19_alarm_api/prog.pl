#!/usr/bin/perl
# Timer API: alarm_set returns an ID; alarm_adjust moves a timer and
# returns its new time; alarm_remove returns (name, time, args) once,
# then fails with ESRCH; removing or adjusting another session's alarm is
# EPERM; an undefined name is EINVAL; alarm_remove_all returns the rest
# in due order; alarm with no time clears timers of that name. Times are
# printed relative to a base.
use strict;
use warnings;
use POE;
use Time::HiRes qw(time);
use Errno qw(ESRCH EPERM EINVAL);
$| = 1;

sub errname {
  return $! == ESRCH ? "ESRCH" : $! == EPERM ? "EPERM" : $! == EINVAL ? "EINVAL" : "errno " . ($! + 0);
}
sub code { my $r = shift; return $r == 0 ? "ok" : $r == EINVAL ? "EINVAL" : "code $r" }

my $base;
sub rel { sprintf "%.2f", $_[0] - $base }

POE::Session->create(
  inline_states => {
    _start => sub {
      my $kernel = $_[KERNEL];
      $kernel->alias_set("owner");
      $base = time;
      my $id1 = $kernel->alarm_set(a1 => $base + 0.2, "one");
      my $id2 = $kernel->alarm_set(a2 => $base + 0.1, "two", "2");
      print "alarm_set ids: ", ($id1 && $id2 && $id1 != $id2 ? "distinct" : "?"), "\n";
      $_[HEAP]{id1} = $id1;
      my $t = $kernel->alarm_adjust($id1, -0.15);
      print "alarm_adjust a1 -> ", rel($t), "\n";
      my ($name, $time, $args) = $kernel->alarm_remove($id2);
      print "alarm_remove -> $name ", rel($time), " [@$args]\n";
      my @r = $kernel->alarm_remove($id2);
      print "alarm_remove again: ", (@r ? "?" : errname()), "\n";
      $t = $kernel->alarm_adjust($id2, 1);
      print "alarm_adjust removed: ", (defined $t ? "?" : errname()), "\n";
      my $r = $kernel->alarm_set(undef, $base);
      print "alarm_set undef name: ", (defined $r ? "?" : errname()), "\n";
      print "alarm undef name: ", code($kernel->alarm(undef, $base)), "\n";
      print "alarm_add: ", code($kernel->alarm_add(a3 => $base + 0.9, "three")), "\n";
      print "alarm_add: ", code($kernel->alarm_add(a4 => $base + 0.8)), "\n";
      print "alarm a5: ", code($kernel->alarm(a5 => $base + 0.6)), "\n";
      print "alarm a5 again: ", code($kernel->alarm(a5 => $base + 0.5, "again")), "\n";
      print "alarm_add a6: ", code($kernel->alarm_add(a6 => $base + 0.7)), "\n";
      print "alarm a6 cleared: ", code($kernel->alarm("a6")), "\n";
    },
    a1 => sub {
      my $kernel = $_[KERNEL];
      print "a1 fired $_[ARG0]\n";
      $kernel->post("other", "meddle", $_[HEAP]{id1}, $kernel->alarm_set(a7 => $base + 5));
    },
    a5 => sub {
      print "a5 fired ", (defined $_[ARG0] ? $_[ARG0] : "undef"), "\n";
    },
    done => sub {
      my $kernel = $_[KERNEL];
      my @all = $kernel->alarm_remove_all();
      print "alarm_remove_all: ", join(" ", map { "$_->[0]@" . rel($_->[1]) . "[" . join(",", @$_[2 .. $#$_]) . "]" } @all), "\n";
      @all = $kernel->alarm_remove_all();
      print "alarm_remove_all again: ", scalar(@all), "\n";
      $kernel->yield("finish");
    },
    finish => sub { $_[KERNEL]->alias_remove("owner") },
    _stop => sub { print "owner _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("other") },
    meddle => sub {
      my ($kernel, $fired, $pending) = @_[KERNEL, ARG0, ARG1];
      my @r = $kernel->alarm_remove($pending);
      print "other alarm_remove: ", (@r ? "?" : errname()), "\n";
      my $t = $kernel->alarm_adjust($pending, 1);
      print "other alarm_adjust: ", (defined $t ? "?" : errname()), "\n";
      @r = $kernel->alarm_remove($fired);
      print "other alarm_remove fired: ", (@r ? "?" : errname()), "\n";
      $kernel->post("owner", "done");
      $kernel->alias_remove("other");
    },
    _stop => sub { print "other _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
