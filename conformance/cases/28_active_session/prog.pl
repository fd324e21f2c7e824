#!/usr/bin/perl
# get_active_session and get_active_event follow calls in and out, and
# outside run the active session is the kernel.
use strict;
use warnings;
use POE;
$| = 1;

sub where {
  my ($kernel, $label) = @_;
  my $s = $kernel->get_active_session();
  my $e = $kernel->get_active_event();
  print "$label: session ", ($s == $kernel ? "kernel" : $s->ID), " event ", (defined $e ? $e : "none"), "\n";
}

POE::Session->create(
  inline_states => {
    _start => sub { where($_[KERNEL], "callee _start"); $_[KERNEL]->alias_set("callee") },
    inner => sub {
      where($_[KERNEL], "callee inner");
      print "callee inner sender ", $_[SENDER]->ID, "\n";
      $_[KERNEL]->alias_remove("callee");
      return "inner-ret";
    },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub { where($_[KERNEL], "caller _start"); $_[KERNEL]->yield("outer") },
    outer => sub {
      my $kernel = $_[KERNEL];
      where($kernel, "caller outer before call");
      my $r = $kernel->call("callee", "inner");
      where($kernel, "caller outer after call ($r)");
      $kernel->call($_[SESSION], "self");
    },
    self => sub { where($_[KERNEL], "caller self") },
  },
);

where($poe_kernel, "top level");
POE::Kernel->run();
print "run returned\n";
