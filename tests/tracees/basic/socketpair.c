// A socketpair within one process: send on one end, recv on the other, both directions,
// plus sendmsg/recvmsg.
// ebb-test: expect-exit: 0
// ebb-test: expect-stdout: b got 5 <ping!>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    perror("socketpair");
    return 1;
  }
  char buf[64];
  printf("a sent %zd\n", send(sv[0], "ping!", 5, 0));
  ssize_t n = recv(sv[1], buf, sizeof buf, 0);
  printf("b got %zd <%.*s>\n", n, n > 0 ? (int)n : 0, buf);
  printf("b sent %zd\n", write(sv[1], "pong", 4));
  n = read(sv[0], buf, sizeof buf);
  printf("a got %zd <%.*s>\n", n, n > 0 ? (int)n : 0, buf);
  struct iovec iov = {"via sendmsg", 11};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  printf("sendmsg %zd\n", sendmsg(sv[0], &mh, 0));
  struct iovec riov = {buf, sizeof buf};
  mh.msg_iov = &riov;
  n = recvmsg(sv[1], &mh, MSG_DONTWAIT);
  printf("recvmsg %zd <%.*s> flags=%d\n", n, n > 0 ? (int)n : 0, buf, mh.msg_flags);
  n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
  printf("empty recv %zd\n", n);
  close(sv[0]);
  close(sv[1]);
  return 0;
}
